from rest_framework import serializers


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField(help_text="A path on this site, e.g. /orders/<id>/.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    unread = serializers.BooleanField(source="is_unread")


class MarkAllReadOutputSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")
    unread = serializers.IntegerField(help_text="Unread notifications left (0).")
