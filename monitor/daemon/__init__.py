"""`newsmon run`: the scheduler and dispatcher loop (`daemon`), triggers (`schedule`), the
daemon and per-source locks (`lock`), re-reading young articles (`recheck`)."""
