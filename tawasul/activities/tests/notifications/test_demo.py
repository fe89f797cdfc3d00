"""The notifications' demo step on a small demo company (the steps below the communicator,
then this one)."""

import pytest
from django.urls import reverse

from tawasul.activities import notifications_demo
from tawasul.activities.models import MessageThread, Notification, NotificationPreference
from tawasul.activities.notifications_selectors import HIDDEN_TITLE, notifications_shown
from tawasul.core.registry import get_registry
from tawasul.demo.builder import DemoBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    demo = DemoBuilder(contacts=60, through_services=20)
    registry = get_registry()
    for step in registry.demo_builders:
        if step.app != "activities":
            registry.resolve(step.build)(demo)
    notifications_demo.build(demo)
    return demo


def test_demo_has_read_and_unread_notifications_threads_and_preferences(demo, client):
    ahmed = demo.users["rep.ahmed"]
    rows = Notification.objects.filter(recipient=ahmed)
    assert rows.filter(read_at__isnull=True).exists()
    assert rows.filter(read_at__isnull=False).exists()
    assert MessageThread.objects.filter(company=demo.company).count() == 3
    thread = MessageThread.objects.get(subject="Quarterly targets")
    assert thread.messages.count() == 3
    assert NotificationPreference.objects.filter(email_copy="digest").exists()
    # The one about a contact Ahmed may not see reads as the neutral text.
    shown = notifications_shown(ahmed, rows)
    hidden = [item for item in shown if item.hidden]
    assert hidden and all(item.title == str(HIDDEN_TITLE) for item in hidden)
    client.force_login(ahmed)
    assert client.get(reverse("activities:notification_list")).status_code == 200
    assert client.get(reverse("activities:message_list")).status_code == 200
