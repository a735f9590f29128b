import pytest

from notifications.models import Notification


@pytest.fixture
def customer(user_factory):
    return user_factory(email="asha@example.com")


@pytest.fixture
def stranger(user_factory):
    return user_factory(email="ravi@example.com")


@pytest.fixture
def notify():
    """Put a notification in someone's inbox (as the handlers would, without the email)."""
    from notifications.services import notification_create

    def make(user, title="Your order is placed", **fields) -> Notification:
        fields.setdefault("kind", Notification.Kind.ORDER_PLACED)
        fields.setdefault("body", "Thank you!")
        fields.setdefault("link", "/orders/0c4e2f9a-1111-4222-8333-444455556666/")
        return notification_create(user_id=user.pk, title=title, email=False, **fields)

    return make
