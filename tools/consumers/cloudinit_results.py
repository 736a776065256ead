"""What the cloud-init harnesses print, in one place: bytes as base64, and cloud-init's own reading of
(vendor) user data as MIME parts. Imported by the cloudinit_*.py harnesses (run with /usr/bin/python3)."""
import base64


def b64(value):
    """base64 of bytes (str is UTF-8 encoded first); None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8")
    return base64.b64encode(value).decode("ascii")


def parts(processor, raw):
    """What cloud-init's UserDataProcessor makes of raw (vendor) data: (content type, payload) per part."""
    from cloudinit import util

    if raw is None or raw == "" or raw == b"":
        return []
    message = processor.process(raw)
    out = []
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        payload = util.fully_decoded_payload(part)
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", "surrogateescape")
        out.append([part.get_content_type(), payload])
    return out


def recorder(module, name):
    """Wraps module.NAME (a datasource's reader: read_config_drive, read_metadata_service) so that what it returned is
    kept: the returned dict's last value is what the reader read. cloud-init 22.4 kept the vendor data as read
    (vendordata_pure); 25.1 keeps only its conversion, so the harnesses report the reader's result in both."""
    seen = {}
    reader = getattr(module, name)

    def recorded(*args, **kwargs):
        result = reader(*args, **kwargs)
        seen.clear()
        seen.update(result)
        return result

    setattr(module, name, recorded)
    return seen
