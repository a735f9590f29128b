from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from recommendations import checks  # noqa: F401 - registers check --deploy's Java warning
