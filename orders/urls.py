from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("checkout/", views.checkout, name="checkout"),
    path("orders/", views.order_history, name="list"),
    path("orders/<str:order_id>/", views.order_detail, name="detail"),
    path("orders/<str:order_id>/cancel/", views.order_cancel_view, name="cancel"),
    path("orders/<str:order_id>/pay-again/", views.order_payment_retry_view, name="payment_retry"),
    path("orders/<str:order_id>/reorder/", views.order_reorder_view, name="reorder"),
    path("orders/<str:order_id>/shipments/<int:shipment_id>/return/", views.return_request_view, name="return"),
]
