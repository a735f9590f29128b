"""`check --deploy` warns when the recommendation jobs can't run for want of Java."""

from __future__ import annotations

from django.core.checks.registry import registry

import recommendations.checks
from recommendations.checks import recommendation_jobs_have_java


def test_it_is_a_deploy_check():
    assert recommendation_jobs_have_java in registry.get_checks(include_deployment_checks=True)
    assert recommendation_jobs_have_java not in registry.get_checks(include_deployment_checks=False)


def test_without_java_check_deploy_says_the_jobs_cannot_run(monkeypatch):
    monkeypatch.setattr(recommendations.checks, "java_available", lambda: None)
    found = recommendation_jobs_have_java(None)
    assert [m.id for m in found] == ["bazaar.W002"]
    assert "can't run" in found[0].msg and "JAVA_HOME" in found[0].hint


def test_with_java_it_is_silent(monkeypatch):
    monkeypatch.setattr(recommendations.checks, "java_available", lambda: "/usr/lib/jvm/java-17/bin/java")
    assert recommendation_jobs_have_java(None) == []
