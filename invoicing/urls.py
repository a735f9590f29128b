from django.urls import path

from invoicing import views

app_name = "invoicing"

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("<int:invoice_id>/", views.invoice_page, name="detail"),
    path("<int:invoice_id>.pdf", views.invoice_pdf_download, name="pdf"),
]
