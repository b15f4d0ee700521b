"""Reading an uploaded CSV for the skills imports (and those built like them).

The reading itself is shared by every import: see ``workforce.csvimport``.
Here is only the skills imports' exception, which ``read_rows`` raises.
"""

from workforce import csvimport
from workforce.csvimport import ISO_DATE, ImportProblem, parse_iso_date, shown

__all__ = [
    "ISO_DATE",
    "ImportProblem",
    "SkillsImportError",
    "parse_iso_date",
    "read_rows",
    "shown",
]


class SkillsImportError(csvimport.ImportFailed):
    """The file was rejected; ``errors`` lists every problem found."""


def read_rows(data, columns: tuple[str, ...]):
    """``workforce.csvimport.read_rows``, rejecting with SkillsImportError."""
    return csvimport.read_rows(data, columns, rejected=SkillsImportError)
