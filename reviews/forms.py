"""The forms of the review pages. Limits a form can't know (eligibility, picture contents) are the
services' (reviews/services.py), which raise ReviewError with the field it belongs to."""

from __future__ import annotations

from typing import cast

from django import forms

from reviews.services import BODY_MAX, PICTURES_MAX, REPLY_MAX, TITLE_MAX

PICTURE_TYPES = "image/jpeg,image/png,image/gif,image/webp"
RATING_CHOICES = [
    (5, "5 stars: excellent"),
    (4, "4 stars: good"),
    (3, "3 stars: average"),
    (2, "2 stars: poor"),
    (1, "1 star: very poor"),
]


class MultiplePicturesInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePicturesField(forms.FileField):
    """Several files from one input (Django's documented pattern); each is checked by the service."""

    widget = MultiplePicturesInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > PICTURES_MAX:
            raise forms.ValidationError(f"Choose at most {PICTURES_MAX} pictures.")
        return [super(MultiplePicturesField, self).clean(f, initial) for f in files]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label="Your rating", choices=RATING_CHOICES, coerce=int,
                                    widget=forms.RadioSelect,
                                    error_messages={"required": "Choose how many stars you give it."})
    title = forms.CharField(label="Headline", max_length=TITLE_MAX,
                            help_text="What matters most, in a few words.",
                            error_messages={"required": "Please write a headline."})
    body = forms.CharField(label="Your review", required=False, max_length=BODY_MAX,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text="What did you like or dislike? How did you use it?")
    pictures = MultiplePicturesField(label="Add pictures", required=False,
                                     widget=MultiplePicturesInput(attrs={"accept": PICTURE_TYPES}),
                                     help_text=f"Up to {PICTURES_MAX} pictures (JPEG, PNG, GIF or WebP), 5 MB each.")
    remove_pictures = forms.TypedMultipleChoiceField(label="Remove pictures", coerce=int, required=False,
                                                     widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, pictures: list[tuple[int, str]] | None = None, **kwargs):
        """`pictures`: the review's current ones as (id, url), offered for removal."""
        super().__init__(*args, **kwargs)
        if pictures:
            # self.fields holds plain Fields to mypy; this one is the TypedMultipleChoiceField above.
            remove = cast(forms.TypedMultipleChoiceField, self.fields["remove_pictures"])
            remove.choices = [(pk, f"Picture {n}") for n, (pk, _) in enumerate(pictures, 1)]
            self.current_pictures = pictures
        else:
            del self.fields["remove_pictures"]
            self.current_pictures = []


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", max_length=REPLY_MAX, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text="Shown under the review, signed as the seller.",
                           error_messages={"required": "Please write your reply."})
