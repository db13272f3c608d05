from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 500); the answer carries the total count and page links."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    # Answered with 404 (documented on every list): says which value was refused and why, e.g. 「页码小于 1」.
    invalid_page_message = "页码无效：page={page_number}（{message}）"

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        titles = {"count": "总条数", "next": "下一页地址", "previous": "上一页地址", "results": "本页结果"}
        for name, title in titles.items():
            paginated["properties"][name]["title"] = title
        for name in ("next", "previous"):
            paginated["properties"][name].pop("example", None)
        return paginated
