from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("p/<int:item_id>/", views.product_detail, name="product_short"),
    path("p/<int:item_id>/<slug:slug>/", views.product_detail, name="product"),
]
