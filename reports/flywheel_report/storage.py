"""Where rendered reports live: under PRIVATE_STORAGE_ROOT, never at a URL."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class ReportStorage(FileSystemStorage):
    """Files under ``PRIVATE_STORAGE_ROOT/flywheel-reports``; downloads go through
    the scoped view. The location is read on every use so tests that change
    ``PRIVATE_STORAGE_ROOT`` land in the right place."""

    def __init__(self):
        super().__init__(
            base_url=None, file_permissions_mode=0o600, directory_permissions_mode=0o700
        )

    @property
    def base_location(self):
        return os.path.join(settings.PRIVATE_STORAGE_ROOT, "flywheel-reports")

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("Reports have no URL; use the download view.")

    def write_atomically(self, name: str, content: bytes) -> str:
        """Write ``content`` at ``name`` via a temporary file and a rename, so
        readers see the old file or the whole new one, never half of it."""
        path = self.path(name)
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
        return name


_storage = ReportStorage()


def report_storage() -> ReportStorage:
    return _storage
