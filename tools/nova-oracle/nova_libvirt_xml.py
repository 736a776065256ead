#!/usr/bin/python3
"""Print the libvirt XML Nova 26's libvirt driver makes for an instance's config drive.

Usage: /usr/bin/python3 nova_libvirt_xml.py --format iso9660|vfat --machine-type pc|q35
                                            --uuid UUID --disk-path PATH

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
    parser.add_argument("--disk-path", required=True)
    args = parser.parse_args(argv)
    if os.path.lexists(args.disk_path):
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
    conf.set_override("instances_path", os.path.dirname(os.path.abspath(args.disk_path)))

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
    disk = imagebackend.Flat(path=args.disk_path, disk_info_mapping=mapping["disk.config"])
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
