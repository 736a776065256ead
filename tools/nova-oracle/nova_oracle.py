#!/usr/bin/python3
"""Nova oracle: run Debian's real python3-nova 26.2.2 on a guestdata instance
document and write out exactly what Nova produces (config-drive tree, ISO,
metadata-service answers).

Only the database and Neutron are faked, in-process; every fake is listed in
README.md next to this file, with the reason it is needed. Everything that
decides what a guest sees (InstanceMetadata, netutils, the interfaces
template, ConfigDriveBuilder, genisoimage, the metadata HTTP handler) is
Nova's own code, unmodified.

Must run under /usr/bin/python3: Debian's nova, oslo.* and jinja2 are only
importable there.
"""

import argparse
import base64
import binascii
import hashlib
import io
import ipaddress
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time

EXIT_BAD_INPUT = 2
EXIT_INVALID_METADATA_PATH = 44

# Fields of the instance document (shared/spec/instance-document.md).
DOC_FIELDS = {
    'uuid', 'name', 'hostname', 'project_id', 'availability_zone',
    'launch_index', 'reservation_id', 'instance_type', 'image_id',
    'kernel_id', 'ramdisk_id', 'key_name', 'public_keys', 'metadata',
    'files', 'user_data', 'admin_pass', 'network_data', 'vendor_data',
    'security_groups', 'root_device_name', 'ephemeral_devices', 'swap_device',
    'volume_devices', 'config_drive',
}

# The root device name Nova's libvirt driver gives a virtio root disk: the
# document's default.
VIRTIO_ROOT = '/dev/vda'

# FAKE 3's table: the block device mapping rows of each instance, by uuid.
BDM_ROWS = {}

# FAKE 1 and 2's rows a `metadata-lines` request gives (its "ec2_ids"): the
# integer id of a uuid or image ref; every other ref gets stable_int's.
EC2_ROWS = {}

# Link types Nova's get_network_metadata() can emit: the VIF types it
# passes through (nova.network.model.LEGACY_EXPOSED_VIF_TYPES) plus 'phy'
# for every other VIF type.
NOVA_LINK_TYPES = {'bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap',
                   'vhostuser', 'vif', 'phy'}
# The VIF type used for a 'phy' link: Neutron's 'unbound' (not exposed, so
# Nova prints 'phy'), as in the spec's verified example (nova-compat §5.1).
PHY_VIF_TYPE = 'unbound'

# Documentation addresses (RFC 5737 / RFC 3849) used as the Neutron fixed IP
# of a DHCP subnet when neither the document nor --requester-ip gives one.
DHCP_PLACEHOLDER = {4: '192.0.2.1', 6: '2001:db8::1'}


class OracleError(Exception):
    """Bad input or a failed Nova step; printed as one line, exit non-zero."""

    def __init__(self, message, code=EXIT_BAD_INPUT):
        super().__init__(message)
        self.code = code


def warn(message):
    print('nova-oracle: warning: %s' % message, file=sys.stderr)


# ---------------------------------------------------------------------------
# Nova start-up and the fakes
# ---------------------------------------------------------------------------

class Nova:
    """Imports Nova once per process, configures CONF and installs the fakes.

    Per-run settings (dhcp_domain, vendordata file) are re-applied with
    CONF.set_override before every document, so a batch can share one
    process.
    """

    _booted = False

    @classmethod
    def boot(cls, verbose=False):
        if cls._booted:
            return
        logging.basicConfig(
            level=logging.DEBUG if verbose else logging.WARNING,
            format='nova-oracle: %(levelname)s %(name)s: %(message)s',
            stream=sys.stderr)
        import nova.conf
        from nova import objects
        objects.register_all()
        from oslo_log import log as oslo_logging
        conf = nova.conf.CONF
        # As nova.config.parse_args does: the metadata handler reads
        # CONF.debug, an oslo.log option.
        oslo_logging.register_options(conf)
        conf([], project='nova', default_config_files=[])
        # Neutron copies CONF.flat_injected into every network's 'injected'
        # meta (neutron.API._nw_info_build_network); the interfaces
        # template only renders for injected networks. guestdata renders it
        # for static addresses, so the oracle turns it on.
        conf.set_override('flat_injected', True)
        conf.set_override('config_drive_format', 'iso9660')
        cls._install_fakes()
        cls._booted = True

    @classmethod
    def configure(cls, dhcp_domain=None, vendordata_file=None):
        import nova.conf
        conf = nova.conf.CONF
        if dhcp_domain is None:
            conf.clear_override('dhcp_domain', group='api')
        else:
            conf.set_override('dhcp_domain', dhcp_domain, group='api')
        if vendordata_file is None:
            conf.clear_override('vendordata_jsonfile_path', group='api')
        else:
            if not os.path.isfile(vendordata_file):
                raise OracleError('--vendordata-file %s: no such file'
                                  % vendordata_file)
            conf.set_override('vendordata_jsonfile_path', vendordata_file,
                              group='api')

    @staticmethod
    def _install_fakes():
        """Replace the DB and Neutron, nothing else (see README.md)."""
        from nova.db.main import api as db_api
        from nova.network import neutron
        from nova import objects

        def row(ident, uuid):
            return {'id': ident, 'uuid': uuid, 'created_at': None,
                    'updated_at': None, 'deleted_at': None, 'deleted': False}

        # FAKE 1: table instance_id_mappings (EC2 instance-id i-%08x).
        def ec2_instance_get_by_uuid(context, instance_uuid):
            return row(ec2_row_id(instance_uuid), instance_uuid)

        # FAKE 2: table s3_images (EC2 ami-/aki-/ari-%08x).
        def s3_image_get_by_uuid(context, image_uuid):
            return row(ec2_row_id(image_uuid), image_uuid)

        db_api.ec2_instance_get_by_uuid = ec2_instance_get_by_uuid
        db_api.s3_image_get_by_uuid = s3_image_get_by_uuid

        # FAKE 3: table block_device_mapping: the rows build_instance
        # made from the document's devices.
        objects.BlockDeviceMappingList._db_block_device_mapping_get_all_by_instance = \
            staticmethod(lambda context, instance_uuid, use_slave=False:
                         [dict(r) for r in BDM_ROWS.get(instance_uuid, [])])

        # FAKE 4: the Neutron client, for security-group names only.
        neutron.get_client = lambda context, admin=False: FakeNeutron

        # FAKE 5 (metadata service only): the Neutron fixed-IP lookup plus
        # the DB instance load behind the handler's remote-IP mode.
        from nova.api.metadata import base as md_base

        def get_metadata_by_address(address):
            return FakeNeutron.metadata_factory(address)

        md_base.get_metadata_by_address = get_metadata_by_address


def ec2_row_id(ref):
    """The id FAKE 1 and 2's tables hold for REF: a request's (EC2_ROWS),
    else stable_int's."""
    return EC2_ROWS[ref] if ref in EC2_ROWS else stable_int(ref)


def stable_int(ref):
    """The integer id the fake EC2 mapping tables hold for a uuid/image ref.

    A real Nova hands out auto-increment ids; the oracle needs stable ones:
    the first 8 hex digits of the reference (so uuid 83679162-... gives
    i-83679162), or, for a reference that does not start with 8 hex digits,
    the first 8 hex digits of its SHA-256.
    """
    head = ref.replace('-', '')[:8].lower()
    if len(head) == 8 and all(c in '0123456789abcdef' for c in head):
        return int(head, 16)
    return int(hashlib.sha256(ref.encode('utf-8')).hexdigest()[:8], 16)


class FakeNeutron:
    """Answers the two calls security_group_api makes, from the documents:
    every instance whose Instance the oracle built has a port whose
    security groups are its document's, with ids unique per instance
    (so many instances in one process, `serve-many`, never see each
    other's groups)."""

    groups = {}                 # instance uuid -> group names
    metadata_factory = None

    @classmethod
    def register(cls, instance_uuid, group_names):
        cls.groups[instance_uuid] = list(group_names)

    @staticmethod
    def _group_id(instance_uuid, index):
        return 'sg-%d-%s' % (index, instance_uuid)

    @classmethod
    def list_ports(cls, device_id=None, **kwargs):
        uuids = [u for u in (device_id or []) if u in cls.groups]
        return {'ports': [{'device_id': u, 'security_groups': [
            cls._group_id(u, i) for i in range(len(cls.groups[u]))]}
            for u in uuids]}

    @classmethod
    def list_security_groups(cls, id=None, fields=None, **kwargs):
        return {'security_groups': [
            {'id': cls._group_id(u, i), 'name': name}
            for u, names in cls.groups.items()
            for i, name in enumerate(names)
            if id is None or cls._group_id(u, i) in id]}


class FakeDb:
    """The instance rows behind the handler's instance-ID mode and the
    password endpoint (`lookup-batch` only): one instance (the current
    entry's document), its system_metadata kept across a batch."""

    system_metadata = {}
    prepared = None          # the Prepared document of the current entry
    fleet = None             # serve-many: every document's instance
    bound_address = None     # the fixed IP the fake Neutron maps to it

    @classmethod
    def install(cls):
        from nova import exception
        from nova import objects
        from nova.api.metadata import base as md_base

        # FAKE 6: table instance_mappings (API DB): every instance of the
        # document is in an untargeted cell.
        def im_get_by_instance_uuid(context, instance_uuid):
            cls._instance_or_raise(context, instance_uuid)
            return objects.InstanceMapping(instance_uuid=instance_uuid,
                                           cell_mapping=None)

        # FAKE 7: table instances (+ system_metadata), read.
        def inst_get_by_uuid(context, uuid, expected_attrs=None,
                             use_slave=False):
            return cls._instance_or_raise(context, uuid)

        # FAKE 8: table instance_system_metadata, write (Instance.save).
        def inst_save(self, *args, **kwargs):
            cls.system_metadata[self.uuid] = dict(self.system_metadata)
            self.obj_reset_changes()

        objects.InstanceMapping.get_by_instance_uuid = \
            staticmethod(im_get_by_instance_uuid)
        objects.Instance.get_by_uuid = staticmethod(inst_get_by_uuid)
        objects.Instance.save = inst_save

        # FAKE 5 (batch form): Neutron knows one fixed IP, the entry's
        # bound address; any other address is unknown (a 404).
        def get_metadata_by_address(address):
            if cls.prepared is None or address != cls.bound_address:
                raise exception.FixedIpNotFoundForAddress(address=address)
            return cls.prepared.service_metadata(address)
        md_base.get_metadata_by_address = get_metadata_by_address

    @classmethod
    def _instance_or_raise(cls, context, uuid):
        from nova import exception
        if isinstance(uuid, bytes):
            uuid = uuid.decode('utf-8')
        if cls.fleet is not None:
            prepared = cls.fleet.get(uuid)
        elif cls.prepared is not None and uuid == cls.prepared.doc['uuid']:
            prepared = cls.prepared
        else:
            prepared = None
        if prepared is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        return prepared.new_instance()


class Fleet:
    """The instances table of `serve-many`: many documents (NDJSON, one a
    line), each checked on load and turned into Nova's objects on every
    read, as a real Nova loads the instance row and its info cache from the
    database on every metadata cache miss."""

    def __init__(self, path, args):
        self.args = args
        self.docs = {}
        try:
            f = open(path, 'rb')
        except OSError as e:
            raise OracleError('%s: %s' % (path, e.strerror))
        with f:
            for number, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                where = '%s: line %d' % (path, number)
                doc = parse_document(raw, where)
                if doc['uuid'] in self.docs:
                    raise OracleError('%s: /uuid: %s is also on an earlier '
                                      'line' % (where, doc['uuid']))
                self.docs[doc['uuid']] = (doc, where)
        if not self.docs:
            raise OracleError('%s: no documents' % path)

    def get(self, uuid):
        if uuid not in self.docs:
            return None
        doc, where = self.docs[uuid]
        return Prepared(doc, where, self.args.admin_pass_if_missing)


# ---------------------------------------------------------------------------
# Instance document -> Nova objects
# ---------------------------------------------------------------------------

def load_document(path):
    try:
        with open(path, 'rb') as f:
            raw = f.read()
    except OSError as e:
        raise OracleError('%s: %s' % (path, e.strerror))
    return parse_document(raw, path)


def parse_document(raw, where):
    """One instance document's bytes (a file, a line of NDJSON), checked;
    WHERE names it in errors."""
    try:
        doc = json.loads(raw.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise OracleError('%s: not JSON: %s' % (where, e))
    if not isinstance(doc, dict):
        raise OracleError('%s: /: expected a JSON object' % where)
    check_document(doc, where)
    return doc


def check_document(doc, path):
    """Enough checking that Nova gets what it expects; not the product's
    full validation."""
    def fail(pointer, problem):
        raise OracleError('%s: %s: %s' % (path, pointer, problem))

    for key in doc:
        if key not in DOC_FIELDS:
            fail('/' + key, 'unknown field')
    for key in ('uuid', 'name'):
        if not isinstance(doc.get(key), str) or not doc[key]:
            fail('/' + key, 'required non-empty string')
    import uuid as uuidlib
    try:
        uuidlib.UUID(doc['uuid'])
    except ValueError:
        fail('/uuid', 'not a UUID: %r' % doc['uuid'])
    for key in ('hostname', 'project_id', 'availability_zone',
                'reservation_id', 'instance_type', 'image_id', 'kernel_id',
                'ramdisk_id', 'key_name', 'user_data', 'admin_pass'):
        if key in doc and not isinstance(doc[key], str):
            fail('/' + key, 'expected a string')
    if 'launch_index' in doc and (not isinstance(doc['launch_index'], int)
                                  or isinstance(doc['launch_index'], bool)
                                  or doc['launch_index'] < 0):
        fail('/launch_index', 'expected an integer >= 0')
    if 'config_drive' in doc and not isinstance(doc['config_drive'], bool):
        fail('/config_drive', 'expected a boolean')
    for key in ('public_keys', 'metadata'):
        if key in doc:
            if not isinstance(doc[key], dict):
                fail('/' + key, 'expected an object')
            for k, v in doc[key].items():
                if not isinstance(v, str):
                    fail('/%s/%s' % (key, k), 'expected a string')
    if 'security_groups' in doc:
        if not isinstance(doc['security_groups'], list) or not all(
                isinstance(g, str) for g in doc['security_groups']):
            fail('/security_groups', 'expected an array of strings')
    if 'files' in doc:
        if not isinstance(doc['files'], list):
            fail('/files', 'expected an array')
        for i, f in enumerate(doc['files']):
            if (not isinstance(f, dict) or set(f) != {'path', 'contents'}
                    or not isinstance(f['path'], str)
                    or not isinstance(f['contents'], str)):
                fail('/files/%d' % i, 'expected {"path": str, "contents": str}')
            try:
                base64.b64decode(f['contents'])
            except (binascii.Error, ValueError) as e:
                fail('/files/%d/contents' % i, 'bad base64: %s' % e)
    if 'user_data' in doc:
        try:
            base64.b64decode(doc['user_data'])
        except (binascii.Error, ValueError) as e:
            fail('/user_data', 'bad base64: %s' % e)
    for key in ('network_data', 'vendor_data'):
        if key in doc and not isinstance(doc[key], dict):
            fail('/' + key, 'expected an object')
    if 'root_device_name' in doc and not (doc['root_device_name'] is None or
                                          isinstance(doc['root_device_name'], str)):
        fail('/root_device_name', 'expected a string or null')
    if 'swap_device' in doc and not isinstance(doc['swap_device'], str):
        fail('/swap_device', 'expected a string')
    for key in ('ephemeral_devices', 'volume_devices'):
        if key in doc and (not isinstance(doc[key], list) or not all(
                isinstance(d, str) for d in doc[key])):
            fail('/' + key, 'expected an array of strings')


def choose_keypair(doc, path):
    """Nova carries ONE key pair per instance (instance.key_name, key_data,
    keypairs[0]). The oracle's rule: the public_keys entry named by key_name
    when key_name is given, else the first public_keys entry in document
    order. The others are dropped (Nova cannot carry them)."""
    keys = doc.get('public_keys') or {}
    name = doc.get('key_name')
    if name is not None:
        if name not in keys:
            raise OracleError(
                '%s: /key_name: %r is not in /public_keys; the oracle has no '
                'key store to resolve it' % (path, name))
        return name, keys[name]
    if keys:
        name = next(iter(keys))
        return name, keys[name]
    return None, None


def build_instance(doc, path, ctxt):
    from nova import objects
    from nova import utils

    inst = objects.Instance(context=ctxt)
    inst.uuid = doc['uuid']
    inst.display_name = doc['name']
    # compute.api.API._populate_instance_names, single instance.
    hostname = doc.get('hostname')
    if not hostname:
        hostname = utils.sanitize_hostname(inst.display_name)
        if not hostname:
            hostname = 'Server-%s' % inst.uuid
    inst.hostname = hostname
    inst.project_id = doc.get('project_id')
    inst.user_id = None
    inst.availability_zone = doc.get('availability_zone', 'nova')
    inst.launch_index = doc.get('launch_index', 0)
    inst.reservation_id = doc.get('reservation_id') or \
        'r-' + inst.uuid.replace('-', '')[:8]
    inst.image_ref = doc.get('image_id', '')
    inst.kernel_id = doc.get('kernel_id')
    inst.ramdisk_id = doc.get('ramdisk_id')
    set_block_devices(inst, doc)
    inst.config_drive = 'True' if doc.get('config_drive') else ''
    inst.user_data = doc.get('user_data')
    inst.metadata = dict(doc.get('metadata') or {})
    inst.system_metadata = {}
    inst.flavor = objects.Flavor(name=doc.get('instance_type'),
                                 flavorid='oracle', memory_mb=512, vcpus=1,
                                 root_gb=1, ephemeral_gb=0, swap=0,
                                 extra_specs={})

    key_name, key_data = choose_keypair(doc, path)
    inst.key_name = key_name
    inst.key_data = key_data
    kps = []
    if key_name is not None:
        kp_type = 'x509' if key_data.lstrip().startswith('-----BEGIN') \
            else 'ssh'
        kps.append(objects.KeyPair(name=key_name, public_key=key_data,
                                   type=kp_type, user_id=None,
                                   fingerprint=None))
    inst.keypairs = objects.KeyPairList(objects=kps)

    # libvirt's _build_device_metadata returns None without tagged devices.
    inst.device_metadata = None
    inst.numa_topology = None
    groups = doc.get('security_groups', ['default'])
    inst.security_groups = objects.SecurityGroupList(objects=[
        objects.SecurityGroup(name=g) for g in groups])
    return inst, groups


def set_block_devices(inst, doc):
    """The document's disks as Nova's libvirt driver leaves them (README:
    block devices): root_device_name, default_swap_device, and FAKE 3's rows."""
    root = doc.get('root_device_name', VIRTIO_ROOT)
    inst.root_device_name = root
    # A flavor's ephemeral disk is a blank mapping (compute API
    # _get_flavor_defined_bdms), which libvirt names disk.eph0, so the driver
    # never sets default_ephemeral_device; it sets default_swap_device for
    # its disk.swap.
    inst.default_ephemeral_device = None
    inst.default_swap_device = doc.get('swap_device')
    rows = []

    def row(source, destination, device, guest_format=None, boot_index=None):
        n = len(rows) + 1
        rows.append({
            'id': n, 'uuid': '00000000-0000-4000-8000-%012d' % n,
            'instance_uuid': inst.uuid, 'source_type': source,
            'destination_type': destination, 'guest_format': guest_format,
            'device_type': 'disk', 'disk_bus': None, 'boot_index': boot_index,
            'device_name': device, 'delete_on_termination': True,
            'snapshot_id': None, 'volume_id': None, 'volume_size': None,
            'image_id': None, 'no_device': False, 'connection_info': None,
            'tag': None, 'attachment_id': None, 'volume_type': None,
            'encrypted': False, 'encryption_secret_uuid': None,
            'encryption_format': None, 'encryption_options': None,
            'created_at': None, 'updated_at': None, 'deleted_at': None,
            'deleted': False})

    if root is not None:
        volumes = doc.get('volume_devices', [])
        if root in volumes:
            row('volume', 'volume', root, boot_index=0)  # boot from volume
        else:
            row('image', 'local', root, boot_index=0)
        for device in doc.get('ephemeral_devices', []):
            row('blank', 'local', device)
        if doc.get('swap_device'):
            row('blank', 'local', doc['swap_device'], guest_format='swap')
        for device in volumes:
            if device != root:
                row('volume', 'volume', device)
    BDM_ROWS[inst.uuid] = rows


def network_info_from(doc, path, requester_ip=None):
    """OpenStack network_data.json form -> nova.network.model.NetworkInfo,
    built the way neutron.API._build_vif_model builds it, choosing the
    Neutron state whose get_network_metadata() gives the document back."""
    from nova.network import model
    import nova.conf

    nd = doc.get('network_data')
    if not nd:
        return model.NetworkInfo([])

    def fail(pointer, problem):
        raise OracleError('%s: /network_data%s: %s' % (path, pointer, problem))

    for key in nd:
        if key not in ('links', 'networks', 'services'):
            fail('/' + key, 'unknown field')
    links = nd.get('links', [])
    networks = nd.get('networks', [])
    services = nd.get('services', [])
    if not all(isinstance(x, list) for x in (links, networks, services)):
        fail('', 'links, networks and services must be arrays')

    by_link = {}
    for i, link in enumerate(links):
        if not isinstance(link, dict) or not isinstance(link.get('id'), str):
            fail('/links/%d' % i, 'expected an object with a string id')
        ltype = link.get('type', 'phy')
        if ltype not in NOVA_LINK_TYPES:
            fail('/links/%d/type' % i, '%r cannot come out of Nova 26 '
                 '(it only emits %s)' % (ltype, sorted(NOVA_LINK_TYPES)))
        if link['id'] in by_link:
            fail('/links/%d/id' % i, 'duplicate link id %r' % link['id'])
        by_link[link['id']] = []
    for i, net in enumerate(networks):
        if not isinstance(net, dict) or net.get('link') not in by_link:
            fail('/networks/%d/link' % i, 'must name a link')
        by_link[net['link']].append((i, net))

    top_dns = []
    for i, svc in enumerate(services):
        if not isinstance(svc, dict) or svc.get('type') != 'dns':
            warn('network_data/services/%d: only dns services come out of '
                 'Nova; dropped' % i)
            continue
        top_dns.append(svc.get('address'))
    placed_dns = set()
    dhcp_subnets = []

    injected = nova.conf.CONF.flat_injected
    nwinfo = model.NetworkInfo()
    for link in links:
        nets = by_link[link['id']]
        subnets = []
        seen_versions = set()
        network_ids = {net.get('network_id') for _, net in nets}
        if len(network_ids) > 1:
            fail('', 'link %r has networks with different network_id %s; '
                 'a Nova VIF has one network' % (link['id'], network_ids))
        for i, net in nets:
            subnet = subnet_from(net, link, '/networks/%d' % i, fail,
                                 requester_ip)
            if subnet['version'] in seen_versions:
                fail('/networks/%d' % i, 'second IPv%d network on link %r: '
                     'Nova only uses the first' % (subnet['version'],
                                                    link['id']))
            seen_versions.add(subnet['version'])
            subnets.append(subnet)
            for dns in subnet['dns']:
                placed_dns.add(dns['address'])
            # (enable_dhcp: OVN's native DHCP in Nova >= 31, see subnet_from)
            if (subnet.get_meta('dhcp_server') is not None
                    or subnet.get_meta('enable_dhcp')) \
                    and subnet.get_meta('ipv6_address_mode') is None:
                dhcp_subnets.append(subnet)
        if not nets:
            warn('link %r has no networks: Nova skips a VIF without '
                 'subnets, so it will not appear' % link['id'])
        network = model.Network(
            id=next(iter(network_ids)) if nets else None,
            bridge=None, label=None, subnets=subnets,
            injected=injected, tenant_id=doc.get('project_id'),
            mtu=link.get('mtu'), physical_network=None, tunneled=False)
        ltype = link.get('type', 'phy')
        nwinfo.append(model.VIF(
            id=link.get('vif_id'),
            address=link.get('ethernet_mac_address'),
            network=network,
            type=PHY_VIF_TYPE if ltype == 'phy' else ltype,
            details={}, devname=link['id'], active=True,
            vnic_type=model.VNIC_TYPE_NORMAL, profile={},
            preserve_on_delete=False, delegate_create=True))

    # DNS servers of DHCP subnets only show in the top-level services.
    leftover = [a for a in top_dns if a not in placed_dns]
    if leftover:
        if not dhcp_subnets:
            warn('top-level dns %s belong to no network; Nova only lists '
                 'DNS servers of subnets, dropped' % leftover)
        else:
            for address in leftover:
                dhcp_subnets[0].add_dns(model.IP(address=address, type='dns'))
    return nwinfo


def subnet_from(net, link, pointer, fail, requester_ip):
    from nova.network import model

    ntype = net.get('type')
    if not isinstance(ntype, str):
        fail(pointer + '/type', 'required string')
    if ntype in ('ipv4', 'ipv4_dhcp'):
        version = 4
    elif ntype == 'ipv6' or ntype.startswith('ipv6_'):
        version = 6
    else:
        fail(pointer + '/type', '%r cannot come out of Nova 26' % (ntype,))
    mode = None
    if ntype.startswith('ipv6_') and ntype != 'ipv6_dhcp':
        mode = ntype[len('ipv6_'):]
        if mode not in ('slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'):
            fail(pointer + '/type', 'unknown ipv6_address_mode %r' % mode)

    if ntype.endswith('_dhcp'):
        # Nova prints no address for a DHCP subnet, but it only prints the
        # entry at all when the port has a fixed IP on it.
        # Which Neutron state: a null link mtu is a DHCP agent's port on the
        # subnet (meta dhcp_server, which nulls the mtu); a link mtu is OVN's
        # native DHCP (enable_dhcp, no DHCP port). Only Nova >= 31 tells the
        # two apart: its neutron._get_subnets_from_port copies enable_dhcp
        # into the subnet meta and netutils._get_nets prints ipv4_dhcp for
        # it (bug 2055245), keeping the mtu. Nova 26 falls back to
        # dhcp_server = the subnet's gateway for enable_dhcp without a DHCP
        # port, so it prints the same as for a DHCP agent (mtu null).
        # See docs/nova-releases.md.
        address = net.get('ip_address')
        if address is None and requester_ip is not None and \
                ipaddress.ip_address(requester_ip).version == version:
            address = requester_ip
        if address is None:
            address = DHCP_PLACEHOLDER[version]
            warn('%s (%s): Nova needs a fixed IP on a DHCP subnet; using '
                 'placeholder %s (shows as EC2 local-ipv4 for IPv4)'
                 % (pointer, ntype, address))
        # The subnet: the document's netmask when it gives one (guestdata's
        # interfaces template reads it for OVN's DHCP in Nova 31), else a
        # /24 or /64 (only the template shows it).
        plen = 24 if version == 4 else 64
        if isinstance(net.get('netmask'), str):
            try:
                plen = mask_prefix(ipaddress.ip_address(net['netmask']))
            except ValueError as e:
                fail(pointer + '/netmask', str(e))
        cidr = str(ipaddress.ip_interface('%s/%d' % (address, plen)).network)
        meta = {'dhcp_server': address}
        if nova_release() >= 31:
            meta = {'enable_dhcp': True}
            if link.get('mtu') is None:
                meta['dhcp_server'] = address
        return model.Subnet(
            cidr=cidr, gateway=model.IP(address=None, type='gateway'),
            ips=[model.FixedIP(address=address)], version=version, **meta)

    for key in ('ip_address', 'netmask'):
        if not isinstance(net.get(key), str):
            fail('%s/%s' % (pointer, key), 'required for type %r' % ntype)
    try:
        address = ipaddress.ip_address(net['ip_address'])
        mask = ipaddress.ip_address(net['netmask'])
        if address.version != version or mask.version != version:
            raise ValueError('ip_address/netmask are not IPv%d' % version)
        plen = mask_prefix(mask)
    except ValueError as e:
        fail(pointer, str(e))
    cidr = str(ipaddress.ip_interface('%s/%d' % (address, plen)).network)

    gateway = None
    routes = []
    default_net = '0.0.0.0' if version == 4 else '::'
    for r_i, route in enumerate(net.get('routes') or []):
        if gateway is None and route.get('network') == default_net \
                and route.get('netmask') == default_net:
            gateway = route.get('gateway')
            continue
        try:
            rmask = ipaddress.ip_address(route['netmask'])
            rplen = mask_prefix(rmask)
            rcidr = '%s/%d' % (route['network'], rplen)
            ipaddress.ip_network(rcidr)
        except (KeyError, ValueError) as e:
            fail('%s/routes/%d' % (pointer, r_i), 'bad route: %s' % e)
        routes.append(model.Route(
            cidr=rcidr,
            gateway=model.IP(address=route.get('gateway'), type='gateway')))
    dns = [model.IP(address=s.get('address'), type='dns')
           for s in (net.get('services') or []) if s.get('type') == 'dns']
    meta = {}
    if mode is not None:
        meta['ipv6_address_mode'] = mode
        # Neutron subnets default to enable_dhcp=True, which makes Nova set
        # dhcp_server (gateway fallback) and print the link mtu as null.
        # The oracle reads a null link mtu as "DHCP enabled".
        if link.get('mtu') is None:
            meta['dhcp_server'] = gateway or str(address)
    return model.Subnet(
        cidr=cidr, dns=dns,
        gateway=model.IP(address=gateway, type='gateway'),
        ips=[model.FixedIP(address=str(address))], routes=routes,
        version=version, **meta)


def nova_release():
    """The major version of the Nova this runs (26 or 31, see nova-oracle's
    --release), for the few places where the same Neutron state needs
    different fakes."""
    from nova import version
    return int(version.version_info.version_string().split('.')[0])


def mask_prefix(mask):
    bits = int(mask)
    width = mask.max_prefixlen
    plen = bin(bits).count('1')
    if bits != ((1 << width) - 1) ^ ((1 << (width - plen)) - 1):
        raise ValueError('%s is not a contiguous netmask' % mask)
    return plen


class Prepared:
    """A document turned into what Nova's code path receives."""

    warned_vendor_data = False   # the warning is printed once per process

    def __init__(self, doc, path, admin_pass_if_missing=False,
                 requester_ip=None, network_info=None):
        """NETWORK_INFO (`metadata-lines`: Neutron's VIFs as given) replaces
        the one built from the document's network_data."""
        from nova import context
        from nova import utils

        self.doc = doc
        self.path = path
        self.ctxt = context.get_admin_context()
        self.requester_ip = requester_ip
        self.network_info = network_info if network_info is not None \
            else network_info_from(doc, path, requester_ip)
        self.files = [(f['path'], base64.b64decode(f['contents']))
                      for f in doc.get('files', [])]
        self.admin_pass = doc.get('admin_pass')
        if self.admin_pass is None and admin_pass_if_missing:
            # compute.api: utils.generate_password() when adminPass absent.
            self.admin_pass = utils.generate_password()
        if 'vendor_data' in doc and not Prepared.warned_vendor_data:
            Prepared.warned_vendor_data = True
            warn('vendor_data has no Nova equivalent (Nova only has the '
                 'service-wide StaticJSON file and DynamicJSON targets); '
                 'ignored, use --vendordata-file')

    def new_instance(self):
        """A fresh Instance as the compute manager holds it (context set,
        ec2_ids not loaded yet)."""
        from nova import objects
        inst, groups = build_instance(self.doc, self.path, self.ctxt)
        # FAKE 7: system_metadata (password_0..3) as the fake DB holds it.
        inst.system_metadata = dict(FakeDb.system_metadata.get(inst.uuid, {}))
        inst.info_cache = objects.InstanceInfoCache(
            instance_uuid=inst.uuid, network_info=self.network_info)
        FakeNeutron.register(inst.uuid, groups)
        return inst

    def config_drive_metadata(self):
        """What libvirt's _create_configdrive hands ConfigDriveBuilder."""
        from nova.api.metadata import base as instance_metadata
        inst = self.new_instance()
        extra_md = {}
        if self.admin_pass:
            extra_md['admin_pass'] = self.admin_pass
        return instance_metadata.InstanceMetadata(
            inst, content=self.files, extra_md=extra_md,
            network_info=self.network_info)

    def service_metadata(self, address):
        """What base.get_metadata_by_instance_id builds: no files, no
        extra_md, network info from the instance's info cache."""
        from nova.api.metadata import base as instance_metadata
        inst = self.new_instance()
        return instance_metadata.InstanceMetadata(inst, address)


# ---------------------------------------------------------------------------
# Subcommands
# ---------------------------------------------------------------------------

def prepare(args, doc_path, requester_ip=None):
    Nova.boot(args.verbose)
    Nova.configure(args.dhcp_domain, args.vendordata_file)
    doc = load_document(doc_path)
    return Prepared(doc, doc_path, args.admin_pass_if_missing, requester_ip)


def nova_call(what, fn, *a):
    """Run a Nova step; turn its failure into a one-line OracleError."""
    from oslo_concurrency import processutils
    try:
        return fn(*a)
    except OracleError:
        raise
    except processutils.ProcessExecutionError as e:
        detail = (e.stderr or e.description or '').strip().splitlines()
        raise OracleError('%s: %s failed (exit %s): %s' % (
            what, e.cmd.split()[0] if e.cmd else 'command', e.exit_code,
            detail[-1] if detail else ''), code=1)
    except Exception as e:
        raise OracleError('%s: Nova raised %s: %s' % (
            what, type(e).__name__, str(e).splitlines()[0] if str(e)
            else ''), code=1)


def write_tree(prepared, outdir):
    from nova.virt import configdrive
    if os.path.exists(outdir) and (not os.path.isdir(outdir)
                                   or os.listdir(outdir)):
        raise OracleError('%s: exists and is not an empty directory' % outdir)

    def run():
        md = prepared.config_drive_metadata()
        cdb = configdrive.ConfigDriveBuilder(instance_md=md)
        os.makedirs(outdir, exist_ok=True)
        # ConfigDriveBuilder.make_drive writes into its tmpdir exactly so.
        cdb._write_md_files(outdir)
        return len(cdb.mdfiles)
    return nova_call(prepared.path, run)


def cmd_tree(args):
    prepared = prepare(args, args.doc)
    write_tree(prepared, args.outdir)


def cmd_tree_batch(args):
    try:
        with open(args.list, 'rb') as f:
            items = json.loads(f.read().decode('utf-8'))
    except (OSError, ValueError) as e:
        raise OracleError('%s: %s' % (args.list, e))
    if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get('doc'), str)
            and isinstance(i.get('out'), str) for i in items):
        raise OracleError('%s: expected [{"doc": path, "out": dir}, ...]'
                          % args.list)
    for item in items:
        prepared = prepare(args, item['doc'])
        write_tree(prepared, item['out'])


def make_iso(prepared, iso_path):
    from nova.virt import configdrive

    def run():
        md = prepared.config_drive_metadata()
        with configdrive.ConfigDriveBuilder(instance_md=md) as cdb:
            cdb.make_drive(iso_path)
    nova_call(prepared.path, run)


def cmd_iso(args):
    prepared = prepare(args, args.doc)
    parent = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(parent):
        raise OracleError('%s: directory %s does not exist'
                          % (args.out, parent))
    make_iso(prepared, args.out)


def first_fixed_ip(network_info):
    ips = network_info.fixed_ips()
    for version in (4, 6):
        for ip in ips:
            if ip['version'] == version:
                return ip['address']
    return None


def cmd_lookup(args):
    if args.requester_ip is not None:
        try:
            ipaddress.ip_address(args.requester_ip)
        except ValueError:
            raise OracleError('--requester-ip %r: not an IP address'
                              % args.requester_ip)
    prepared = prepare(args, args.doc, args.requester_ip)
    address = args.requester_ip or first_fixed_ip(prepared.network_info)
    if address is None:
        raise OracleError('%s: no fixed IP in network_data; give '
                          '--requester-ip (Nova finds the instance by the '
                          'requester address)' % args.doc)
    FakeNeutron.metadata_factory = prepared.service_metadata

    from nova.api.metadata import handler
    from nova.api import wsgi

    path = args.path if args.path.startswith('/') else '/' + args.path
    environ = {
        'REQUEST_METHOD': 'GET',
        'SCRIPT_NAME': '',
        # PEP 3333: PATH_INFO is the UTF-8 bytes seen as latin-1 text.
        'PATH_INFO': path.encode('utf-8').decode('latin-1'),
        'QUERY_STRING': '',
        'SERVER_NAME': '169.254.169.254', 'SERVER_PORT': '80',
        'SERVER_PROTOCOL': 'HTTP/1.1', 'HTTP_HOST': '169.254.169.254',
        'REMOTE_ADDR': address,
        'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(b''),
    }
    req = wsgi.Request(environ)
    app = handler.MetadataRequestHandler()
    resp = nova_call(args.doc, req.get_response, app)
    if args.print_headers:
        print('%s\nContent-Type: %s' % (
            resp.status, resp.headers.get('Content-Type')), file=sys.stderr)
    if resp.status_int == 404:
        raise OracleError('%s: InvalidMetadataPath (HTTP 404)' % path,
                          code=EXIT_INVALID_METADATA_PATH)
    if resp.status_int != 200:
        raise OracleError('%s: HTTP %s: %s' % (path, resp.status, ' '.join(
            resp.body.decode('utf-8', 'replace').split())), code=1)
    sys.stdout.buffer.write(resp.body)
    sys.stdout.buffer.flush()


# nova.conf options a lookup-batch entry may set: name -> (group, option).
BATCH_CONF = {
    'service_metadata_proxy': ('neutron', 'service_metadata_proxy'),
    'metadata_proxy_shared_secret': ('neutron',
                                     'metadata_proxy_shared_secret'),
    'use_forwarded_for': ('api', 'use_forwarded_for'),
    'metadata_cache_expiration': ('api', 'metadata_cache_expiration'),
    'vendordata_providers': ('api', 'vendordata_providers'),
    'vendordata_dynamic_targets': ('api', 'vendordata_dynamic_targets'),
    'vendordata_dynamic_connect_timeout': (
        'api', 'vendordata_dynamic_connect_timeout'),
    'vendordata_dynamic_read_timeout': ('api',
                                        'vendordata_dynamic_read_timeout'),
    'vendordata_dynamic_failure_fatal': ('api',
                                         'vendordata_dynamic_failure_fatal'),
}


def wsgi_environ(method, path, headers, body, remote_addr):
    """The environ eventlet.wsgi builds: PATH_INFO percent-decoded as
    latin-1 (so the UTF-8 bytes seen as latin-1 text, PEP 3333), the query
    split off, repeated headers joined with ','."""
    import urllib.parse
    raw_path, _, query = path.partition('?')
    environ = {
        'REQUEST_METHOD': method,
        'SCRIPT_NAME': '',
        'PATH_INFO': urllib.parse.unquote(raw_path, encoding='latin-1'),
        'QUERY_STRING': query,
        'SERVER_NAME': '169.254.169.254', 'SERVER_PORT': '80',
        'SERVER_PROTOCOL': 'HTTP/1.1',
        'REMOTE_ADDR': remote_addr,
        'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(body),
    }
    for name, value in headers:
        key = name.upper().replace('-', '_')
        if key not in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
            key = 'HTTP_' + key
        environ[key] = environ[key] + ',' + value if key in environ \
            else value
    environ.setdefault('HTTP_HOST', '169.254.169.254')
    return environ


def batch_entry(args, entry, prepared_docs):
    import nova.conf
    from nova.api.metadata import handler
    from nova.api import wsgi
    conf = nova.conf.CONF

    doc_path = entry['doc']
    if doc_path not in prepared_docs:
        prepared_docs[doc_path] = prepare(args, doc_path,
                                          entry.get('requester_ip'))
    prepared = prepared_docs[doc_path]
    uuid = prepared.doc['uuid']
    remote_addr = entry.get('remote_addr', '127.0.0.1')
    FakeDb.prepared = prepared
    FakeDb.bound_address = entry.get('bound_address', remote_addr)
    FakeNeutron.metadata_factory = prepared.service_metadata
    if 'password' in entry:
        from nova.api.metadata import password
        FakeDb.system_metadata[uuid] = password.convert_password(
            None, entry['password'])

    overrides = dict(entry.get('conf', {}))
    overrides.setdefault('metadata_cache_expiration', 0)
    for name, value in overrides.items():
        if name not in BATCH_CONF:
            raise OracleError('lookup-batch: unknown conf option %r' % name)
        group, opt = BATCH_CONF[name]
        if opt not in conf[group]:
            # [api] use_forwarded_for is gone in Nova 31 (its handler no
            # longer reads X-Forwarded-For; docs/nova-releases.md).
            raise OracleError('lookup-batch: conf option %r does not exist '
                              'in Nova %d' % (name, nova_release()))
        conf.set_override(opt, value, group=group)
    try:
        method = entry.get('method', 'GET')
        body = base64.b64decode(entry.get('body_b64', ''))
        environ = wsgi_environ(method, entry['path'],
                               entry.get('headers', []), body, remote_addr)
        req = wsgi.Request(environ)
        app = handler.MetadataRequestHandler()
        try:
            resp = req.get_response(app)
        except Exception as e:
            # eventlet.wsgi answers a 500 for an exception out of the app.
            return {'exception': '%s: %s' % (type(e).__name__, e)}
        out_body = b'' if method == 'HEAD' else resp.body
        return {'status': resp.status_int,
                'headers': [[k, v] for k, v in resp.headerlist],
                'body_b64': base64.b64encode(out_body).decode('ascii')}
    finally:
        for name in overrides:
            group, opt = BATCH_CONF[name]
            conf.clear_override(opt, group=group)


def cmd_lookup_batch(args):
    try:
        with open(args.list, 'rb') as f:
            entries = json.loads(f.read().decode('utf-8'))
    except (OSError, ValueError) as e:
        raise OracleError('%s: %s' % (args.list, e))
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get('doc'), str)
            and isinstance(e.get('path'), str) for e in entries):
        raise OracleError('%s: expected [{"doc": path, "path": str, ...}]'
                          % args.list)
    Nova.boot(args.verbose)
    FakeDb.install()
    prepared_docs = {}
    results = [batch_entry(args, entry, prepared_docs) for entry in entries]
    json.dump(results, sys.stdout)
    sys.stdout.write('\n')


def network_info_from_vifs(vifs, where):
    """Neutron's view given directly (`metadata-lines`): VIFs
    [{"id", "address", "network_id", "type" (default ovs), "devname",
    "mtu", "injected" (default true), "subnets": [{"cidr", "gateway",
    "dns", "ips", "routes": [{"cidr", "gateway"}], "dhcp_server",
    "ipv6_address_mode"}]}] -> NetworkInfo, as neutron.API._build_vif_model
    builds it; for states network_data cannot name (a DHCP subnet's fixed
    IP, a port without addresses, a VIF without subnets)."""
    from nova.network import model
    try:
        out = []
        for v in vifs:
            subnets = []
            for s in v.get('subnets', []):
                meta = {k: s[k] for k in ('dhcp_server', 'ipv6_address_mode')
                        if s.get(k)}
                gateway = s.get('gateway')
                subnets.append(model.Subnet(
                    cidr=s['cidr'],
                    gateway=model.IP(address=gateway, type='gateway')
                    if gateway else None,
                    dns=[model.IP(address=d, type='dns')
                         for d in s.get('dns', [])],
                    ips=[model.FixedIP(address=ip) for ip in s.get('ips', [])],
                    routes=[model.Route(cidr=r['cidr'], gateway=model.IP(
                        address=r['gateway'], type='gateway'))
                        for r in s.get('routes', [])],
                    **meta))
            net_meta = {'injected': v.get('injected', True)}
            if v.get('mtu') is not None:
                net_meta['mtu'] = v['mtu']
            network = model.Network(id=v['network_id'], bridge=None,
                                    label=None, subnets=subnets, **net_meta)
            out.append(model.VIF(id=v['id'], address=v['address'],
                                 network=network, type=v.get('type', 'ovs'),
                                 devname=v.get('devname')))
        return model.NetworkInfo(out)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise OracleError('%s: /vifs: %s: %s' % (where, type(e).__name__, e))


def set_ec2_rows(ec2_ids, doc, where):
    """A request's EC2 ids ({"instance_id": "i-%08x", "ami_id",
    "kernel_id", "ramdisk_id"}) as FAKE 1 and 2's rows for the document's
    uuid, image_id, kernel_id and ramdisk_id. One ref has one row per
    process, as in Nova's tables."""
    refs = {'instance_id': doc['uuid'], 'ami_id': doc.get('image_id'),
            'kernel_id': doc.get('kernel_id'),
            'ramdisk_id': doc.get('ramdisk_id')}
    for key, value in ec2_ids.items():
        if key not in refs:
            raise OracleError('%s: /ec2_ids/%s: unknown field' % (where, key))
        if value is None:
            continue
        if refs[key] is None:
            raise OracleError('%s: /ec2_ids/%s: the document has no %s'
                              % (where, key, key))
        try:
            number = int(value.rsplit('-', 1)[1], 16)
        except (AttributeError, IndexError, ValueError):
            raise OracleError('%s: /ec2_ids/%s: %r is not <kind>-<hex>'
                              % (where, key, value))
        if EC2_ROWS.setdefault(refs[key], number) != number:
            raise OracleError('%s: /ec2_ids/%s: %s already has id %08x'
                              % (where, key, refs[key], EC2_ROWS[refs[key]]))


def metadata_line(request, where):
    """One `metadata-lines` request: Nova's network_data, interfaces
    template (libvirt_virt_type None and lxc) for its VIFs, and with a
    document the handler's answers (remote-IP mode, FAKE 5) and the
    config drive's files."""
    from nova.api import wsgi
    from nova.api.metadata import handler
    from nova.virt import netutils
    network_info = network_info_from_vifs(request.get('vifs', []), where)
    answer = {
        'network_data': netutils.get_network_metadata(network_info),
        'template': netutils.get_injected_network_template(network_info),
        'template_lxc': netutils.get_injected_network_template(
            network_info, libvirt_virt_type='lxc')}
    if 'doc' not in request:
        return answer
    doc = request['doc']
    if not isinstance(doc, dict):
        raise OracleError('%s: /doc: expected an object' % where)
    check_document(doc, where)
    set_ec2_rows(request.get('ec2_ids') or {}, doc, where)
    vendordata = None
    if request.get('vendordata') is not None:
        with tempfile.NamedTemporaryFile('w', suffix='.json',
                                         delete=False) as f:
            json.dump(request['vendordata'], f)
        vendordata = f.name
    try:
        Nova.configure(request.get('dhcp_domain'), vendordata)
        prepared = Prepared(doc, where, network_info=network_info)
        FakeNeutron.metadata_factory = prepared.service_metadata
        address = request.get('address') or '127.0.0.1'
        # One handler a line: its cache (Nova's default expiry) holds this
        # instance's InstanceMetadata for the line's requests only.
        app = handler.MetadataRequestHandler()
        lookups = {}
        for path in request.get('paths', []):
            req = wsgi.Request(wsgi_environ('GET', path, [], b'', address))
            try:
                resp = req.get_response(app)
                lookups[path] = {
                    'status': resp.status_int,
                    'content_type': resp.headers.get('Content-Type'),
                    'body': base64.b64encode(resp.body).decode('ascii')}
            except Exception as e:
                # What eventlet.wsgi turns into a 500.
                lookups[path] = {'status': 500, 'content_type': None,
                                 'body': '', 'error': '%s: %s'
                                 % (type(e).__name__, e)}
        drive = []
        for path, value in \
                prepared.config_drive_metadata().metadata_for_config_drive():
            if isinstance(value, str):
                value = value.encode('utf-8')
            drive.append([path, base64.b64encode(value).decode('ascii')])
    finally:
        if vendordata is not None:
            os.unlink(vendordata)
            Nova.configure(None, None)
    answer['lookups'] = lookups
    answer['config_drive'] = drive
    return answer


def cmd_metadata_lines(args):
    """One JSON request a line on stdin, one JSON answer a line on stdout
    (metadata_line), all in one process."""
    Nova.boot(args.verbose)
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        where = 'stdin: line %d' % number
        try:
            request = json.loads(line)
        except ValueError as e:
            raise OracleError('%s: not JSON: %s' % (where, e))
        if not isinstance(request, dict):
            raise OracleError('%s: expected a JSON object' % where)
        sys.stdout.write(json.dumps(metadata_line(request, where))
                         + '\n')
        sys.stdout.flush()


def cmd_serve(args):
    """Nova's metadata API as nova-api-metadata runs it: nova.wsgi.Server
    (eventlet.wsgi, Nova's defaults) serving the real MetadataRequestHandler,
    remote-IP mode, on 127.0.0.1. Prints the port, then serves until killed."""
    try:
        ipaddress.ip_address(args.bound_address)
    except ValueError:
        raise OracleError('--bound-address %r: not an IP address'
                          % args.bound_address)
    Nova.boot(args.verbose)
    FakeDb.install()
    FakeDb.prepared = prepare(args, args.doc, args.bound_address)
    FakeDb.bound_address = args.bound_address
    FakeNeutron.metadata_factory = FakeDb.prepared.service_metadata
    import nova.conf
    from nova import wsgi
    from nova.api.metadata import handler
    nova.conf.CONF.set_override('metadata_cache_expiration', 0, group='api')
    server = wsgi.Server('metadata', handler.MetadataRequestHandler(),
                         host='127.0.0.1', port=0)
    server.start()
    print(server.port, flush=True)
    server.wait()


def cmd_serve_many(args):
    """Nova's metadata API behind Neutron's metadata proxy, for many
    instances, as `nova-api-metadata` runs with Nova's defaults: the real
    MetadataRequestHandler in instance-ID mode (service_metadata_proxy, the
    shared secret from a file), its own cache ([api]
    metadata_cache_expiration, 15 s), nova.wsgi.Server (eventlet.wsgi, pool
    and backlog as Nova sets them) in [DEFAULT] metadata_workers processes
    (default: one per CPU), forked by oslo.service as nova.service.serve
    does. Prints the port, then serves until killed (SIGTERM stops the
    workers)."""
    try:
        with open(args.shared_secret_file, 'rb') as f:
            secret = f.read().decode('utf-8').strip()
    except (OSError, UnicodeDecodeError) as e:
        raise OracleError('--shared-secret-file %s: %s' % (
            args.shared_secret_file, getattr(e, 'strerror', None) or e))
    if not secret:
        raise OracleError('--shared-secret-file %s: empty'
                          % args.shared_secret_file)
    if args.workers is not None and args.workers < 1:
        raise OracleError('--workers %d: must be >= 1' % args.workers)
    Nova.boot(args.verbose)
    Nova.configure(args.dhcp_domain, args.vendordata_file)
    FakeDb.install()
    FakeDb.fleet = Fleet(args.docs, args)
    import nova.conf
    from nova import wsgi
    from nova.api.metadata import handler
    from oslo_concurrency import processutils
    from oslo_service import service
    conf = nova.conf.CONF
    conf.set_override('service_metadata_proxy', True, group='neutron')
    conf.set_override('metadata_proxy_shared_secret', secret,
                      group='neutron')
    workers = args.workers or conf.metadata_workers or \
        processutils.get_worker_count()
    server = wsgi.Server('metadata', handler.MetadataRequestHandler(),
                         host='127.0.0.1', port=args.port)
    print(server.port, flush=True)
    print('nova-oracle: serve-many: %d instances, %d workers, metadata '
          'cache %d s' % (len(FakeDb.fleet.docs), workers,
                          conf.api.metadata_cache_expiration),
          file=sys.stderr, flush=True)
    launcher = service.launch(conf, server, workers=workers)
    launcher.wait()


def cmd_bench(args):
    from nova.virt import configdrive
    if args.n < 1:
        raise OracleError('N must be >= 1')
    prepared = prepare(args, args.doc)
    workdir = tempfile.mkdtemp(prefix='nova-oracle-bench-')
    try:
        iso = os.path.join(workdir, 'disk.config')
        md_total = 0.0
        total = 0.0
        for i in range(args.n + 1):          # drive 0 is an untimed warm-up
            inst = prepared.new_instance()   # not timed: harness

            def one():
                from nova.api.metadata import base as instance_metadata
                t0 = time.perf_counter()
                extra_md = {'admin_pass': prepared.admin_pass} \
                    if prepared.admin_pass else {}
                md = instance_metadata.InstanceMetadata(
                    inst, content=prepared.files, extra_md=extra_md,
                    network_info=prepared.network_info)
                with configdrive.ConfigDriveBuilder(instance_md=md) as cdb:
                    t1 = time.perf_counter()
                    cdb.make_drive(iso)
                t2 = time.perf_counter()
                return t1 - t0, t2 - t0
            md_s, all_s = nova_call(prepared.path, one)
            os.unlink(iso)
            if i > 0:
                md_total += md_s
                total += all_s
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({
        'drives': args.n,
        'seconds': round(total, 6),
        'per_drive_ms': round(total * 1000 / args.n, 3),
        'metadata_per_drive_ms': round(md_total * 1000 / args.n, 3),
        'warmup_drives': 1,
    }))


def nova_mkisofs_argv(out, tree):
    """ConfigDriveBuilder._make_iso9660's argument list, verbatim."""
    import nova.conf
    from nova import version
    publisher = "%(product)s %(version)s" % {
        'product': version.product_string(),
        'version': version.version_string_with_package()}
    return [nova.conf.CONF.mkisofs_cmd, '-o', out, '-ldots',
            '-allow-lowercase', '-allow-multidot', '-l', '-publisher',
            publisher, '-quiet', '-J', '-r', '-V', 'config-2', tree]


def cmd_bench_genisoimage(args):
    if args.n < 1:
        raise OracleError('N must be >= 1')
    if not os.path.isdir(args.dir):
        raise OracleError('%s: not a directory' % args.dir)
    Nova.boot(args.verbose)
    workdir = tempfile.mkdtemp(prefix='nova-oracle-geniso-')
    try:
        out = os.path.join(workdir, 'disk.config')
        argv = nova_mkisofs_argv(out, args.dir)
        total = 0.0
        for i in range(args.n + 1):          # run 0 is an untimed warm-up
            t0 = time.perf_counter()
            proc = subprocess.run(argv, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
            dt = time.perf_counter() - t0
            if proc.returncode != 0:
                raise OracleError('genisoimage failed (exit %d): %s' % (
                    proc.returncode, ' '.join(
                        proc.stderr.decode('utf-8', 'replace').split())),
                    code=1)
            os.unlink(out)
            if i > 0:
                total += dt
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps({
        'runs': args.n,
        'seconds': round(total, 6),
        'per_run_ms': round(total * 1000 / args.n, 3),
        'warmup_runs': 1,
        'argv': argv[:2] + ['<out>'] + argv[3:-1] + ['<dir>'],
    }))


# ---------------------------------------------------------------------------

def parser():
    p = argparse.ArgumentParser(
        prog='nova_oracle.py',
        description="Run Debian's python3-nova 26.2.2 on a guestdata "
                    "instance document.")
    p.add_argument('--verbose', action='store_true',
                   help='show Nova debug logging on stderr')
    sub = p.add_subparsers(dest='command', required=True)

    def common(sp):
        sp.add_argument('--dhcp-domain', default=None,
                        help="[api] dhcp_domain (Nova default 'novalocal'; "
                             "'' for none)")
        sp.add_argument('--vendordata-file', default=None,
                        help='[api] vendordata_jsonfile_path')
        sp.add_argument('--admin-pass-if-missing', action='store_true',
                        help="generate a 12-char admin_pass like Nova's "
                             'compute API when the document has none')
        sp.add_argument('--verbose', action='store_true',
                        default=argparse.SUPPRESS)

    sp = sub.add_parser('tree', help='write the config-drive tree')
    sp.add_argument('doc')
    sp.add_argument('outdir')
    common(sp)
    sp.set_defaults(func=cmd_tree)

    sp = sub.add_parser('tree-batch', help='tree for many documents')
    sp.add_argument('list', help='JSON [{"doc": path, "out": dir}, ...]')
    common(sp)
    sp.set_defaults(func=cmd_tree_batch)

    sp = sub.add_parser('iso', help='build the config-drive ISO')
    sp.add_argument('doc')
    sp.add_argument('out')
    common(sp)
    sp.set_defaults(func=cmd_iso)

    sp = sub.add_parser('lookup', help='metadata-service answer for PATH')
    sp.add_argument('doc')
    sp.add_argument('path')
    sp.add_argument('--requester-ip', default=None,
                    help='REMOTE_ADDR (default: first fixed IP)')
    sp.add_argument('--print-headers', action='store_true',
                    help='status and Content-Type to stderr')
    common(sp)
    sp.set_defaults(func=cmd_lookup)

    sp = sub.add_parser('lookup-batch',
                        help='many HTTP requests through the real handler')
    sp.add_argument('list', help='JSON [{"doc", "path", "method", "headers", '
                                 '"body_b64", "remote_addr", "conf", ...}]')
    common(sp)
    sp.set_defaults(func=cmd_lookup_batch)

    sp = sub.add_parser('metadata-lines',
                        help='one request a line on stdin: VIFs and a '
                             'document in; network_data, template, lookups '
                             'and config-drive files out')
    sp.add_argument('--verbose', action='store_true',
                    default=argparse.SUPPRESS)
    sp.set_defaults(func=cmd_metadata_lines)

    sp = sub.add_parser('serve', help="Nova's metadata server over HTTP")
    sp.add_argument('doc')
    sp.add_argument('--bound-address', default='127.0.0.1',
                    help='the fixed IP the fake Neutron maps to the instance '
                         '(requests from any other address are 404)')
    common(sp)
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser('serve-many', help="Nova's metadata server behind "
                        "Neutron's proxy, for many instances")
    sp.add_argument('docs', help='NDJSON: one instance document a line')
    sp.add_argument('--shared-secret-file', required=True,
                    help="[neutron] metadata_proxy_shared_secret, read from "
                         "this file")
    sp.add_argument('--workers', type=int, default=None,
                    help='[DEFAULT] metadata_workers (Nova: one per CPU)')
    sp.add_argument('--port', type=int, default=0,
                    help='port on 127.0.0.1 (default: an ephemeral one)')
    common(sp)
    sp.set_defaults(func=cmd_serve_many)

    sp = sub.add_parser('bench', help='time N config drives through Nova')
    sp.add_argument('doc')
    sp.add_argument('n', type=int)
    common(sp)
    sp.set_defaults(func=cmd_bench)

    sp = sub.add_parser('bench-genisoimage',
                        help="time bare genisoimage with Nova's arguments")
    sp.add_argument('dir')
    sp.add_argument('n', type=int)
    sp.set_defaults(func=cmd_bench_genisoimage)
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        args.func(args)
    except OracleError as e:
        print('nova-oracle: error: %s' % e, file=sys.stderr)
        return e.code
    return 0


if __name__ == '__main__':
    sys.exit(main())
