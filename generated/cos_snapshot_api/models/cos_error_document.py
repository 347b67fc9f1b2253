from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CosErrorDocument")


@_attrs_define
class CosErrorDocument:
    """The body of every COS error response: an XML document whose root element is `<Error>`
    and whose children are the fields below, each a text element:

        <?xml version="1.0" encoding="UTF-8"?>
        <Error>
          <Code>NoSuchKey</Code>
          <Message>The specified key does not exist.</Message>
          <Resource>examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/movies/a.mp4</Resource>
          <RequestId>NjU2YzE0ZWRfMTAxYzRlMDlfMWE1NF8xMjM0</RequestId>
          <TraceId>OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRl</TraceId>
        </Error>

        Attributes:
            code (str): The error code, such as `InvalidArgument`, `NoSuchKey`, `AccessDenied` or `SignatureDoesNotMatch`.
                Programs should branch on this, not on the message.
            message (str): A human-readable description of the error.
            request_id (str): The request id; the same value as the `x-cos-request-id` header.
            resource (str | Unset): The resource the request addressed, a bucket or object URL.
            trace_id (str | Unset): An id of the request's path through COS, for the vendor's support.
    """

    code: str
    message: str
    request_id: str
    resource: str | Unset = UNSET
    trace_id: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        request_id = self.request_id

        resource = self.resource

        trace_id = self.trace_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "Code": code,
                "Message": message,
                "RequestId": request_id,
            }
        )
        if resource is not UNSET:
            field_dict["Resource"] = resource
        if trace_id is not UNSET:
            field_dict["TraceId"] = trace_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        code = d.pop("Code")

        message = d.pop("Message")

        request_id = d.pop("RequestId")

        resource = d.pop("Resource", UNSET)

        trace_id = d.pop("TraceId", UNSET)

        cos_error_document = cls(
            code=code,
            message=message,
            request_id=request_id,
            resource=resource,
            trace_id=trace_id,
        )

        cos_error_document.additional_properties = d
        return cos_error_document

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
