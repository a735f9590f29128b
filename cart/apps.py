from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "cart"
    verbose_name = "Cart"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from cart.visitor import merge_on_login

        # The anonymous cart follows the visitor into their account; cart.services.cart_merge
        # holds the logic, this only connects it.
        user_logged_in.connect(merge_on_login, dispatch_uid="cart.merge_on_login")
