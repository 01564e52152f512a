"""DomainErrors carry plain text in the language active when they are raised."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from core.errors import ConflictError, InvalidDataError


def test_default_messages_are_sentences_in_the_language_active_at_raise_time():
    assert ConflictError().message == (
        "The complaint was changed by someone else: reload it and try again."
    )
    with translation.override("zh-hans"):
        error = ConflictError()
    assert error.message == "这件投诉已被别人修改：请刷新后重试。"
    assert isinstance(error.message, str)


def test_field_messages_become_plain_text_lists():
    with translation.override("zh-hans"):
        error = InvalidDataError(
            fields={"a": [gettext_lazy("This field is required.")], "b": "Must be text."}
        )
    assert error.fields == {"a": ["此字段为必填项。"], "b": ["Must be text."]}
    assert error.as_dict()["message"] == "有些字段缺失或无效：请改正后重新发送。"
