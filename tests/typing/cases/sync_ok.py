from __future__ import annotations

from uuid import UUID

from typing_extensions import reveal_type

from coodie.document import LWTResult
from coodie.expr.columns import col, token
from coodie.sync import BatchQuery

from .models import Admin, Event, User, Views

u = User(id=UUID(int=1), name="a")
reveal_type(User.price)  # R: coodie.expr.columns.Column[float]
reveal_type(User.id)  # R: coodie.expr.columns.Column[uuid.UUID]
reveal_type(User.tags)  # R: coodie.expr.columns.Column[set[str]]
reveal_type(User.note)  # R: coodie.expr.columns.Column[str | None]
reveal_type(u.price)  # R: float
reveal_type(u.tags)  # R: set[str]
reveal_type(User.LIMIT)  # R: int
reveal_type(Admin.price)  # R: coodie.expr.columns.Column[float]
reveal_type(Admin.level)  # R: coodie.expr.columns.Column[int]
reveal_type(Event.day)  # R: coodie.expr.columns.Column[datetime.date]
reveal_type(User.price > 10)  # R: coodie.expr.nodes.Compare
reveal_type(User.price == 2.5)  # R: coodie.expr.nodes.Compare
reveal_type(User.price.in_([1.0, 2.0]))  # R: coodie.expr.nodes.Compare
reveal_type(User.tags.contains("vip"))  # R: coodie.expr.nodes.Compare
reveal_type(User.scores.contains(3))  # R: coodie.expr.nodes.Compare
reveal_type(User.meta.contains_key("env"))  # R: coodie.expr.nodes.Compare
reveal_type(User.meta.contains("prod"))  # R: coodie.expr.nodes.Compare
reveal_type(User.name.like("Al%"))  # R: coodie.expr.nodes.Compare
reveal_type(User.price.desc())  # R: coodie.expr.nodes.Ordering
reveal_type((User.price > 1) & (User.age < 3))  # R: coodie.expr.nodes.And
reveal_type(token(User.id) > 5)  # R: coodie.expr.nodes.TokenCompare
reveal_type(User.find(User.price > 10))  # R: coodie.sync.query.QuerySet[tests.typing.cases.models.User]
reveal_type(User.find(name="a").filter(price__gt=3).limit(2).all())  # R: list[tests.typing.cases.models.User]
reveal_type(User.find(User.age >= 3, name="x").first())  # R: tests.typing.cases.models.User | None
reveal_type(User.find().order_by(User.price.desc(), "-age").count())  # R: int
reveal_type(User.get(id=u.id))  # R: tests.typing.cases.models.User
reveal_type(User.find_one(User.name == "a"))  # R: tests.typing.cases.models.User | None
reveal_type(Admin.get(Admin.level > 2))  # R: tests.typing.cases.models.Admin
reveal_type(u.insert())  # R: coodie.document.LWTResult
reveal_type(u.update(name="b"))  # R: coodie.document.LWTResult | None
reveal_type(u.save(ttl=5))  # R: None
reveal_type(u.delete(if_exists=True))  # R: coodie.document.LWTResult
reveal_type(User.find(name="a").update(age=3))  # R: int
reveal_type(User.find(name="a").paged_all(page_size=10).documents)  # R: list[tests.typing.cases.models.User]
reveal_type(User.find(name="a").paged_all(paging_state="c").paging_state)  # R: str | None
reveal_type([x for x in User.find(name="a")])  # R: list[tests.typing.cases.models.User]
reveal_type(Views.increment(url="/", hits=1))  # R: None
reveal_type(col(User.price))  # R: coodie.expr.columns.Column[float]
reveal_type(User.find().to_cql())  # R: tuple[str, tuple[Any, ...]]
with BatchQuery() as b:
    u.save(batch=b)
result: LWTResult = u.insert()
