"""Item 5: the same as test_local_models_lazy, with annotations evaluated eagerly."""

from typing import Any
from uuid import uuid4


def test_a_model_defined_in_a_function_works(f: Any) -> None:
    from typing import Annotated
    from uuid import UUID

    from coodie.fields import Counter, PrimaryKey

    Document, CounterDocument = f.module.Document, f.module.CounterDocument

    class LocalNote(Document):  # type: ignore[misc,valid-type]
        id: Annotated[UUID, PrimaryKey()]
        body: str = ""

        class Settings:
            name = "it_local_notes_eager"

    class LocalHits(CounterDocument):  # type: ignore[misc,valid-type]
        url: Annotated[str, PrimaryKey()]
        hits: Annotated[int, Counter()] = 0

        class Settings:
            name = "it_local_hits_eager"

    f(LocalNote.sync_table())
    f(LocalHits.sync_table())
    note = LocalNote(id=uuid4(), body="hi")
    f(note.save())
    assert f(LocalNote.get(id=note.id)) == note
    url = f"/{uuid4()}"
    f(LocalHits.increment(url=url, hits=2))
    assert f(LocalHits.get(url=url)).hits == 2
