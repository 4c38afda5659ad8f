"""Conditions misused, flagged where they are written."""

from __future__ import annotations

from coodie.expr.columns import col, token

from .models import Admin, AUser, Item, User

a = User.price > 1
b = User.age < 3
x = a and b  # E: has type "Compare" which does not implement __bool__ or __len__
y = a or b  # E: has type "Compare" which does not implement __bool__ or __len__
z = (User.price > 1) or (User.age < 3)  # E: a condition used as a truth value (or)
User.find((User.price > 1) and (User.age < 3))  # E: a condition used as a truth value (and)
User.find(1 < User.price < 10)  # E: chained comparison of a column
User.find(User.price != 3)  # E: != on a column: Cassandra has no != relation in queries
User.find(3 != User.price)  # E: != on a column: Cassandra has no != relation in queries
User.find((User.price > 1) | (User.age < 3))  # E: | on a condition: CQL has no OR
User.find(~(User.price > 1))  # E: ~ on a condition: CQL has no NOT
User.name == 3  # E: Unsupported operand types for == ("Column[str]" and "int")
"x" == User.price  # E: comparison of a "float" column with a value of type "str"
User.price < "x"  # E: Unsupported operand types for < ("Column[float]" and "str")
"x" < User.price  # E: Unsupported operand types for < ("str" and "Column[float]")
User.tags == "a"  # E: Unsupported operand types for == ("Column[set[str]]" and "str")
Item.labels.contains(1)  # E: Argument 1 to "contains" of "Column" has incompatible type "int"; expected "str"
Item.attrs.contains_key(1)  # E: Argument 1 to "contains_key" of "Column" has incompatible type "int"; expected "str"
User.age.in_([1.5])  # E: List item 0 has incompatible type "float"; expected "int"
User.find(User.name.in_("abc"))  # E: in_() takes a collection of values, not a string
col(User.price) > "x"  # E: Unsupported operand types for > ("Column[float]" and "str")
User.find(Admin.level > 3)  # E: Admin.level is a column of Admin, not of User: use User.level
User.find(Item.sku == "x")  # E: Item.sku is a column of Item, not of User: use User.sku
User.find(User.name == "a", (User.age > 1) & (Admin.price > 2))  # E: Admin.price is a column of Admin, not of User
User.find(name="a").filter(Admin.level.in_([1]))  # E: Admin.level is a column of Admin, not of User
User.find_one(Item.labels.contains("a"))  # E: Item.labels is a column of Item, not of User
User.find().order_by("-pricee")  # E: order_by("-pricee"): User has no column "pricee"
User.find().order_by("name", "agee")  # E: order_by("agee"): User has no column "agee"
User.find().only("nme")  # E: only("nme"): User has no column "nme"
User.find().order_by(Admin.level.desc())  # E: Admin.level is a column of Admin, not of User
User.find().only(Item.sku)  # E: Item.sku is a column of Item, not of User
User.find(token(Item.sku) > 3)  # E: Item.sku is a column of Item, not of User
User.find().filter(Item.stock == 3)  # E: Item.stock is a column of Item, not of User
User.find().order_by(Item.stock)  # E: Item.stock is a column of Item, not of User
if User.price > 3:  # E: a condition used as a truth value (if)
    pass
while User.tags.contains("x"):  # E: a condition used as a truth value (while)
    break
assert User.name == "a"  # E: a condition used as a truth value (assert)
v = 1 if User.age >= 3 else 2  # E: a condition used as a truth value (if-else)
w = not (User.price > 3)  # E: a condition used as a truth value (not)


async def main() -> None:
    AUser.find(User.name == "a")  # E: User.name is a column of User, not of AUser: use AUser.name
    AUser.find(AUser.price != 1)  # E: != on a column
    if AUser.name == "a":  # E: a condition used as a truth value (if)
        pass
