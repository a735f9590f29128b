"""`<id:item_id>` in URLs: a database key, 1 to 2^63-1. Anything larger is a 404 at routing, so no
view ever hands a database an integer it can't hold."""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise ValueError("not a database id")  # Django treats this as "no match": a 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


register_converter(IdConverter, "id")
