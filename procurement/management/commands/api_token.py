"""Create or rotate the API token of a (system) user: ``manage.py api_token <username> [--rotate | --revoke]``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "为用户创建或更换 API 令牌（供外部系统以 Authorization: Token <令牌> 调用接口）"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username", help="用户名")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--rotate", action="store_true", help="作废原令牌并发放新令牌")
        action.add_argument("--revoke", action="store_true", help="作废令牌，不再发放")

    @transaction.atomic
    def handle(self, *args, username: str, rotate: bool, revoke: bool, **options) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as exc:
            raise CommandError(f"用户「{username}」不存在") from exc

        existing = Token.objects.select_for_update().filter(user=user)
        if revoke:
            removed, _ = existing.delete()
            self.stdout.write(f"已作废用户「{username}」的 API 令牌" if removed else f"用户「{username}」没有 API 令牌")
            return
        if not user.is_active:
            raise CommandError(f"用户「{username}」已停用，不能发放 API 令牌")
        if existing.exists():
            if not rotate:
                # A token is shown once, when it is issued; a lost one is replaced, never displayed again.
                raise CommandError(f"用户「{username}」已有 API 令牌；如需更换，请加 --rotate")
            existing.delete()
            token = Token.objects.create(user=user)
            self.stdout.write(self.style.SUCCESS(f"已为用户「{username}」更换 API 令牌，原令牌即时作废：{token.key}"))
            return
        token = Token.objects.create(user=user)
        self.stdout.write(self.style.SUCCESS(f"已为用户「{username}」创建 API 令牌：{token.key}"))
