import pytest

from procurement.models import Project
from tests.factories import ProjectFactory


@pytest.mark.django_db
def test_project_factory_builds_a_collecting_project():
    project = ProjectFactory()
    assert project.status == Project.Status.COLLECTING
