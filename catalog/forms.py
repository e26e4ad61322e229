"""Marketplace forms: the publish form reads a descriptor typed in or uploaded, within limits."""
from __future__ import annotations

from pathlib import Path

from django import forms
from django.template.defaultfilters import filesizeformat

from standards.limits import TEXT_MAX_BYTES
from standards.payload import FILE_SUFFIXES

PASTED_NAME = "descriptor"


class PublishForm(forms.Form):
    """A descriptor as text or as a file; ``cleaned_data`` gains ``text`` and ``name``."""

    descriptor = forms.CharField(
        required=False,
        strip=False,
        label="Descriptor",
        widget=forms.Textarea(attrs={"rows": 22, "spellcheck": "false", "autocomplete": "off", "class": "code-input"}),
    )
    file = forms.FileField(
        required=False,
        label="…or upload a file",
        help_text=f"(.yaml, .yml or .json, at most {filesizeformat(TEXT_MAX_BYTES)}; used instead of the text)",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(FILE_SUFFIXES)}),
    )

    def clean_descriptor(self) -> str:
        text = self.cleaned_data["descriptor"]
        _check_size(len(text.encode("utf-8")), "The text")
        return text

    def clean_file(self) -> str | None:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if Path(upload.name).suffix.lower() not in FILE_SUFFIXES:
            raise forms.ValidationError(f"Upload a {', '.join(FILE_SUFFIXES)} file.")
        _check_size(upload.size, "The file")
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError("The file is not UTF-8 text.") from exc
        self.cleaned_data["name"] = Path(upload.name).name
        return text

    def clean(self) -> dict:
        cleaned = super().clean()
        text = cleaned.get("file") or cleaned.get("descriptor") or ""
        if not self.errors and not text.strip():
            raise forms.ValidationError("Paste a descriptor or choose a file.")
        cleaned["text"] = text
        cleaned.setdefault("name", PASTED_NAME)
        return cleaned


def _check_size(size: int, what: str) -> None:
    if size > TEXT_MAX_BYTES:
        limit, got = filesizeformat(TEXT_MAX_BYTES), filesizeformat(size)
        raise forms.ValidationError(f"{what} is {got}; a descriptor may be at most {limit}.")
