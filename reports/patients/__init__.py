"""Patient feedback: imported files of scores, and the QR capture page.

- ``csvstream``: reading a large CSV as a stream with a strict list of columns;
- ``imports``: the two-pass import (check, then write in chunks) and batches;
- ``capture``: capture points (QR posters) and the answers given through them.
"""
