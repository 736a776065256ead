package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one routing decision of a metadata request, row by row against Nova's {@code InstanceMetadata.lookup}
 * (nova/api/metadata/base.py): {@code /} put in front, {@code posixpath.normpath}, then {@code path_tokens} with
 * {@code ec2} put in front of anything that is neither {@code ec2} nor {@code openstack} ({@code ["ec2"]} alone
 * for an empty first token).
 */
class MetadataPathTest {
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // request path          | normalised                  | tree      | segments below the tree
            "/                        | /                           | EC2       | -",
            "''                       | /                           | EC2       | -",
            "latest/meta-data/        | /latest/meta-data           | EC2       | latest,meta-data",
            "/ec2/2009-04-04/user-data| /ec2/2009-04-04/user-data   | EC2       | 2009-04-04,user-data",
            "/ec2                     | /ec2                        | EC2       | -",
            "//openstack/latest       | //openstack/latest          | EC2       | -",
            "///openstack             | /openstack                  | OPENSTACK | -",
            "/openstack/              | /openstack                  | OPENSTACK | -",
            "/openstack/../openstack/latest/./meta_data.json | /openstack/latest/meta_data.json | OPENSTACK "
                    + "| latest,meta_data.json",
            "/openstackx/latest       | /openstackx/latest          | EC2       | openstackx,latest",
            "/latest/../../openstack/2012-08-10 | /openstack/2012-08-10 | OPENSTACK | 2012-08-10",
    })
    void routesAsNovaDoes(String request, String normalized, MetadataPath.Api api, String segments) {
        MetadataPath path = MetadataPath.of(request);
        assertEquals(normalized, path.normalized());
        assertEquals(api, path.api());
        assertEquals(segments == null ? List.of() : List.of(segments.split(",")), path.segments());
        assertEquals(normalized.equals("/"), path.isRoot());
    }

    /** "//" lists the EC2 versions as "/" does, but only "/" is answered before identification. */
    @Test
    void doubleSlashIsNotTheRoot() {
        assertTrue(MetadataPath.of("/").isRoot());
        MetadataPath twice = MetadataPath.of("//");
        assertFalse(twice.isRoot());
        assertEquals(MetadataPath.Api.EC2, twice.api());
        assertEquals(List.of(), twice.segments());
    }
}
