"""Volume pages: questions (see volume/urls.py)."""

urlpatterns: list = []


def hub_context(request, project) -> dict:
    """What this step's section of the lead's project page (templates/volume/projects/_section_questions.html) needs."""
    return {}
