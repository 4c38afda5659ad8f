from __future__ import annotations

from uuid import UUID

from .models import User

u = User(id=UUID(int=1), name="a")
User.price > "x"  # E: Unsupported operand types for > ("Column[float]" and "str")
User.age <= 1.5  # E: Unsupported operand types for <= ("Column[int]" and "float")
User.find(User.price == "x")  # E: Unsupported operand types for == ("Column[float]" and "str")
User.find(User.name == "a").filter(User.age == "3")  # E: Unsupported operand types for == ("Column[int]" and "str")
User.find(u.price > 3)  # E: Argument 1 to "find" of "Document" has incompatible type "bool"; expected "Expr"
User.find(True)  # E: Argument 1 to "find" of "Document" has incompatible type "bool"; expected "Expr"
User.tags.contains(1)  # E: Argument 1 to "contains" of "Column" has incompatible type "int"; expected "str"
User.scores.contains("x")  # E: Argument 1 to "contains" of "Column" has incompatible type "str"; expected "int"
User.meta.contains_key(1)  # E: Argument 1 to "contains_key" of "Column" has incompatible type "int"; expected "str"
User.price.contains(1.0)  # E: Invalid self argument "Column[float]" to attribute function "contains"
User.price.like("a%")  # E: Invalid self argument "Column[float]" to attribute function "like"
User.price.in_(["a"])  # E: List item 0 has incompatible type "str"; expected "float"
User.pricee  # E: "type[User]" has no attribute "pricee"
u.pricee  # E: "User" has no attribute "pricee"
u.price.desc()  # E: "float" has no attribute "desc"
n: int = User.find().all()  # E: Incompatible types in assignment (expression has type "list[User]", variable has type "int")
name: str = User.get(id=u.id).age  # E: Incompatible types in assignment (expression has type "int", variable has type "str")
u.save(ttl="1h")  # E: Argument "ttl" has incompatible type "str"; expected "int | None"
User.find().limit("3")  # E: Argument 1 to "limit" of "QuerySetCore" has incompatible type "str"; expected "int"
