from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("simulated/<str:ref>/", views.simulated_page, name="simulated_page"),
    path("stripe/<str:intent_id>/", views.stripe_page, name="stripe_page"),
    path("webhooks/<str:gateway_name>/", views.webhook, name="webhook"),
]
