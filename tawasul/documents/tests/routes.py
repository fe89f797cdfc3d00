"""How the documents module's routes stand to record rules (see `tawasul/core/tests/routes.py`).

Attachments and notes have no record rules of their own: each is visible exactly when its parent
record is, in the same query (`documents.selectors`). The routes return rows of the documents
app, not governed records, so they are NOT_GOVERNED here; that no file, note, name or timeline
entry of a hidden record leaks through them is what `test_access_leaks.py` checks, with record
rules drawn by Hypothesis over the parent contacts and compared with the rules' own answer.
"""

PARENT = (
    "files and notes of one record, 404 unless its parent is visible to the user "
    "(test_access_leaks)"
)

LEAKS = "tawasul.documents.tests.test_access_leaks:test_nothing_of_a_hidden_record_leaks"
# Checked by this module's own property test (record rules drawn over the parent contacts).
COVERED = {
    "documents:panel": PARENT,
    "documents:attachment_add": PARENT + "; adding needs change on the parent",
    "documents:note_add": PARENT,
    "documents:download": "one stored file, 404 unless its attachment's record is visible",
    "router:attachment": "attachments whose record is visible (list, record, upload, download)",
    "router:note": "notes whose record is visible (list, record, create)",
}
CHECKED = dict.fromkeys(COVERED, LEAKS)
# They reach the parent record through a generic link (content type and key), so the code
# heuristic of the meta-test, which looks for governed models' names, cannot see them.
HEURISTIC_BLIND = dict.fromkeys(COVERED, "the parent record is named by its content type")
NOT_GOVERNED = {
    "documents:attachment_version": PARENT + "; a new version needs change on the parent",
    "documents:attachment_delete": PARENT + "; deleting needs change on the parent",
    "documents:note_edit": PARENT,
    "documents:note_delete": PARENT,
}
