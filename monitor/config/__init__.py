"""Configuration: sources.yaml → frozen models (`models`), the history commands' quick slice
(`quick`), the shared paths and database URL rules (`paths`), located YAML (`yamlsource`),
durations and sizes (`units`).

Nothing is imported here: `report` reads `quick` without loading pydantic.
"""
