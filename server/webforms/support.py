"""What Web Forms 0.22 cannot do yet for one form, said in Chinese on its page."""
from __future__ import annotations

import re

NO_OFFLINE = "不支持离线填写：请在有网络时打开并发送；发送前关闭页面，已填内容会丢失"
# (pattern in the XForm, note); appearances and types Web Forms 0.22 does not render yet
UNSUPPORTED = [
    (re.compile(r'appearance="[^"]*\bsignature\b'), "签名题暂以“上传图片”代替：请在纸上签字后拍照上传"),
    (re.compile(r'appearance="[^"]*\b(draw|annotate)\b'), "绘图/标注题暂以“上传图片”代替"),
    (re.compile(r'type="barcode"'), "不支持扫码题：请手动输入条码内容"),
    # a dateTime question; start/end (jr:preload) are filled by the form itself
    (re.compile(r'<bind\b(?![^>]*jr:preload)[^>]*type="dateTime"'), "日期时间题没有选择器：请按提示格式输入"),
]


def limitations(xform: bytes | str) -> list[str]:
    text = xform.decode("utf-8", "replace") if isinstance(xform, bytes) else xform
    return [note for pattern, note in UNSUPPORTED if pattern.search(text)] + [NO_OFFLINE]
