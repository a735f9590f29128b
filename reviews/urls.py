from django.urls import path

from reviews import views

app_name = "reviews"
urlpatterns = [
    path("item/<id:item_id>/", views.item_reviews, name="item"),
    path("item/<id:item_id>/write/", views.review_write, name="write"),
    path("<id:review_id>/helpful/", views.review_helpful, name="helpful"),
    path("<id:review_id>/reply/", views.review_reply, name="reply"),
]
