from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("p/<id:item_id>/", views.product_detail, name="product_short"),
    path("p/<id:item_id>/<slug:slug>/", views.product_detail, name="product"),
    path("c/<path:category_path>/", views.category_page, name="category"),
]
