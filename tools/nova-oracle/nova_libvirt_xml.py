#!/usr/bin/python3
"""Print the libvirt XML Nova 26's libvirt driver makes for an instance's config drive.

Usage: /usr/bin/python3 nova_libvirt_xml.py --format iso9660|vfat --machine-type pc|q35
                                            --uuid UUID --disk-path PATH
       /usr/bin/python3 nova_libvirt_xml.py --format iso9660|vfat --machine-type pc|q35
                                            --uuid UUID --rbd-pool POOL --ceph-conf CONF
                                            [--rbd-user USER] [--rbd-secret-uuid UUID]

Runs Debian's python3-nova code, unmodified, on an instance with a config drive, KVM on this host's
architecture, an image whose only property is hw_machine_type, and no ephemeral, swap or volume disks:

  * blockinfo.get_disk_info (what _create_guest_xml uses) gives the 'disk.config' mapping: the device
    type from [DEFAULT] config_drive_format, the bus from get_disk_bus_for_device_type, the first
    free device name after the root disk;
  * imagebackend.Flat(path=PATH).libvirt_info(cache_mode, extra_specs) makes the <disk> exactly as
    _get_guest_disk_config does for 'disk.config' (images_type is not rbd);
  * the cache mode is LibvirtDriver.disk_cachemode with instances_path = the directory of PATH
    (Nova's O_DIRECT probe: 'none', or 'writeback' where the file system refuses O_DIRECT);
  * LibvirtDriver._get_guest_config_sysinfo(instance) makes the <sysinfo> (sysinfo_serial=unique,
    Nova's default), and LibvirtConfigGuestSMBIOS the <os><smbios/></os> line.

With --rbd-pool ([libvirt] images_type = rbd), the config drive is Nova's RBD image
'<uuid>_disk.config' in POOL: imagebackend.Rbd(...).libvirt_info makes a network <disk> (protocol rbd,
the monitors from RBDDriver.get_mon_addrs, which runs `ceph mon dump` against the real cluster CONF names
as USER, and <auth> with the ceph secret when [libvirt] rbd_secret_uuid is set); the cache mode is
Nova's for network disks ('writeback' unless O_DIRECT... Nova's disk_cachemode, the same call).

PATH must not exist: Flat() probes an existing image (qemu-img info) and records its format in a
disk.info file beside it, as it does in an instance directory.

Prints <domain> holding <sysinfo>, <os> and <devices><disk> as LibvirtConfigGuest.format_dom orders
them (lxml, pretty printed). No libvirt connection is made.
"""
import argparse
import os
import sys
import warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("iso9660", "vfat"), required=True)
    parser.add_argument("--machine-type", required=True)
    parser.add_argument("--uuid", required=True)
    parser.add_argument("--disk-path")
    parser.add_argument("--rbd-pool")
    parser.add_argument("--ceph-conf")
    parser.add_argument("--rbd-user")
    parser.add_argument("--rbd-secret-uuid")
    args = parser.parse_args(argv)
    if (args.disk_path is None) == (args.rbd_pool is None):
        parser.error("give --disk-path or --rbd-pool")
    if args.rbd_pool is not None and args.ceph_conf is None:
        parser.error("--rbd-pool needs --ceph-conf")
    if args.disk_path is not None and os.path.lexists(args.disk_path):
        parser.error("--disk-path %s exists; Nova would probe it and write disk.info beside it" % args.disk_path)

    warnings.simplefilter("ignore")
    import nova.conf
    from nova import objects
    objects.register_all()
    from oslo_log import log as oslo_logging
    conf = nova.conf.CONF
    oslo_logging.register_options(conf)
    conf([], project="nova", default_config_files=[])
    conf.set_override("virt_type", "kvm", group="libvirt")
    conf.set_override("config_drive_format", args.format)
    if args.disk_path is not None:
        conf.set_override("instances_path", os.path.dirname(os.path.abspath(args.disk_path)))
    else:
        conf.set_override("images_type", "rbd", group="libvirt")
        conf.set_override("images_rbd_pool", args.rbd_pool, group="libvirt")
        conf.set_override("images_rbd_ceph_conf", args.ceph_conf, group="libvirt")
        conf.set_override("rbd_user", args.rbd_user, group="libvirt")
        conf.set_override("rbd_secret_uuid", args.rbd_secret_uuid, group="libvirt")

    from lxml import etree
    from nova.virt.libvirt import blockinfo, imagebackend, config as vconfig, driver

    image_meta = objects.ImageMeta.from_dict(
        {"disk_format": "qcow2", "properties": {"hw_machine_type": args.machine_type}})
    instance = objects.Instance(
        uuid=args.uuid, config_drive="True", root_device_name=None,
        image_ref="9b3c8f4e-1a2b-4c5d-8e9f-0a1b2c3d4e5f", ephemeral_gb=0,
        flavor=objects.Flavor(swap=0, ephemeral_gb=0, extra_specs={}), system_metadata={})

    mapping = blockinfo.get_disk_info("kvm", instance, image_meta)["mapping"]
    cache_probe = type("Driver", (), {"_disk_cachemode": None})()
    cache_mode = driver.LibvirtDriver.disk_cachemode.fget(cache_probe)
    if args.disk_path is not None:
        disk = imagebackend.Flat(path=args.disk_path, disk_info_mapping=mapping["disk.config"])
    else:
        # what _create_configdrive picks: by_name(instance, 'disk.config', _get_disk_config_image_type())
        disk = imagebackend.Rbd(instance=instance, disk_name="disk.config",
                                disk_info_mapping=mapping["disk.config"])
    disk_conf = disk.libvirt_info(cache_mode, instance.flavor.extra_specs)

    sysinfo = driver.LibvirtDriver._get_guest_config_sysinfo(None, instance)

    domain = etree.Element("domain")
    domain.append(sysinfo.format_dom())
    os_element = etree.SubElement(domain, "os")
    os_element.append(vconfig.LibvirtConfigGuestSMBIOS().format_dom())
    devices = etree.SubElement(domain, "devices")
    devices.append(disk_conf.format_dom())
    sys.stdout.write(etree.tostring(domain, encoding="unicode", pretty_print=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
