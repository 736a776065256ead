#!/usr/bin/python3
"""Read the metadata service with botocore's own IMDS fetchers and print what they got.

Usage: /usr/bin/python3 botocore_imds.py BASE_URL [PATH ...]

Runs Debian's botocore (python3-botocore 1.29) as an AWS SDK does on an EC2 instance, pointed at BASE_URL
(the fetchers' base_url; on EC2 it is http://169.254.169.254/):
- the credential chain's instance-metadata step, botocore.credentials.InstanceMetadataProvider with an
  InstanceMetadataFetcher: PUT latest/api/token (x-aws-ec2-metadata-token-ttl-seconds: 21600; a 403, 404
  or 405 means "no IMDSv2" and it goes on without a token), then GET
  latest/meta-data/iam/security-credentials/ with the token; an instance without an IAM role has no such
  path, and the provider returns no credentials, without an exception;
- InstanceMetadataRegionFetcher.retrieve_region(): the token, then GET
  latest/meta-data/placement/availability-zone/, minus its last character;
- for each PATH, IMDSFetcher's own request (_fetch_metadata_token, then _get_request with the token), the
  way botocore's fetchers read any path.
Every request botocore sends is recorded (method, path, whether it carried a token, status), so the caller
can check the IMDSv2 sequence. Timeout 10 s (botocore's default is 1 s: a JVM's first answer may be slower
on a busy test machine), one attempt. Prints one JSON object on stdout.
"""
import base64
import json
import sys

from botocore import credentials, httpsession, utils


def main():
    base_url, paths = sys.argv[1], sys.argv[2:]
    sent = []
    real_send = httpsession.URLLib3Session.send

    def recording_send(self, request):
        response = real_send(self, request)
        sent.append({"method": request.method, "url": request.url,
                     "token": "x-aws-ec2-metadata-token" in {k.lower() for k in request.headers},
                     "ttl": request.headers.get("x-aws-ec2-metadata-token-ttl-seconds"),
                     "status": response.status_code})
        return response

    httpsession.URLLib3Session.send = recording_send
    env = {}  # no AWS_EC2_METADATA_DISABLED
    options = dict(timeout=10, num_attempts=1, base_url=base_url, env=env)

    out = {}
    provider = credentials.InstanceMetadataProvider(iam_role_fetcher=utils.InstanceMetadataFetcher(**options))
    found = provider.load()
    out["credentials"] = None if found is None else {"method": found.method, "access_key": found.access_key}
    out["credential_requests"] = sent[:]
    del sent[:]

    out["region"] = utils.InstanceMetadataRegionFetcher(**options).retrieve_region()
    out["region_requests"] = sent[:]
    del sent[:]

    fetcher = utils.IMDSFetcher(**options)
    token = fetcher._fetch_metadata_token()
    out["token"] = token is not None
    values = {}
    for path in paths:
        try:
            r = fetcher._get_request(path, None, token)
            values[path] = base64.b64encode(r.content).decode("ascii")
        except utils._RetriesExceededError:
            values[path] = None
    out["values_b64"] = values
    out["value_requests"] = sent[:]
    json.dump(out, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
