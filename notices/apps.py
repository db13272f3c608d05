from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "公告发布"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The core's steps that must publish a notice (合同公告, the award and termination notices) publish it
        # through this app.
        from notices.services import contract_notice_publish, notice_publish
        from procurement.publication import register_contract_notice_publisher, register_project_notice_publisher

        register_contract_notice_publisher(contract_notice_publish)
        register_project_notice_publisher(notice_publish)
