"""Cart and wishlist tables may live on databases of their own (the design wants them on
separate hardware). Each has an alias named like its app; without one, the main database."""

from django.conf import settings

OWN_DATABASE_APPS = ("cart", "wishlist")


class OwnDatabaseRouter:
    def _alias(self, app_label: str) -> str | None:
        if app_label in OWN_DATABASE_APPS and app_label in settings.DATABASES:
            return app_label
        return None

    def db_for_read(self, model, **hints):
        return self._alias(model._meta.app_label)

    def db_for_write(self, model, **hints):
        return self._alias(model._meta.app_label)

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        own = self._alias(app_label)
        if own:
            return db == own
        if db in OWN_DATABASE_APPS:
            # An app's own database holds that app's tables and what every database needs.
            return app_label in {"contenttypes", "events"}
        return None
