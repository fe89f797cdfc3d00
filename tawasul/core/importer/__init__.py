"""The generic importer: CSV and XLSX files into any module's records, through its services.

- `reading`: bytes -> header row and numbered rows of text, with every reading problem.
- `columns`: what a column may feed (`Target`, `Columns`): header guessing, mapping choices
  and checks.
- `rows`: a row's cells by target and its report; a service's structured error put at the
  columns that fed it.
- `runner`: a pass over the rows (`ImportPass`, which a module subclasses), batches,
  transactions, check / all-or-nothing / valid-rows modes, progress.
- `progress`: the processed-rows count seen by the pages while a run's transaction is open.
- `jobs`: the job's lifecycle (`Importer`, which a module declares): upload, map, queue, run,
  summary, stale runs; `models`: the abstract job a module's job model inherits.

See docs/development/importing.md for how a module declares its importer.
"""
