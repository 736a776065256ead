package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class Ec2IdsTest {

    @Test
    void instanceIdIsTheTopOfTheUuid() {
        assertEquals("i-b65cee2f", Ec2Ids.derive(TestInstances.builder().build()).instanceId());
        assertEquals("i-00000001", Ec2Ids.derive(TestInstances.builder().uuid("00000001-0000-4000-8000-000000000000").build()).instanceId());
        assertEquals("i-ffffffff", Ec2Ids.derive(TestInstances.builder().uuid("ffffffff-ffff-4fff-bfff-ffffffffffff").build()).instanceId());
    }

    @Test
    void imageIdsAlreadyInEc2FormAreKept() {
        Instance instance = TestInstances.builder().imageId("ami-0123456789abcdef").kernelId("aki-00000001").ramdiskId("ari-deadbeef").build();
        assertEquals(new Ec2Ids("i-b65cee2f", Optional.of("ami-0123456789abcdef"), Optional.of("aki-00000001"), Optional.of("ari-deadbeef")),
                Ec2Ids.derive(instance));
    }

    @Test
    void otherReferencesAreHashed() {
        // first 4 bytes of SHA-256("some-glance-uuid") = 5438a823..., of "ramdisk-ref" = 8e99b1af...
        Instance instance = TestInstances.builder().imageId("some-glance-uuid").ramdiskId("ramdisk-ref")
                .kernelId("ami-00000001").build();
        Ec2Ids ids = Ec2Ids.derive(instance);
        assertEquals(Optional.of("ami-5438a823"), ids.amiId());
        assertEquals(Optional.of("ari-8e99b1af"), ids.ramdiskId());
        assertEquals("aki-", ids.kernelId().orElseThrow().substring(0, 4), "an id of another kind is hashed as a reference");
        assertEquals(Ec2Ids.derive(instance), Ec2Ids.derive(instance));
        assertEquals(Optional.of("ami-5438a823"), Ec2Ids.derive(TestInstances.builder().imageId("some-glance-uuid").build()).amiId());
        String upper = Ec2Ids.derive(TestInstances.builder().imageId("AMI-12345678").build()).amiId().orElseThrow();
        assertTrue(upper.matches("ami-[0-9a-f]{8}") && !upper.equals("ami-12345678"), upper);
    }

    @Test
    void noImage() {
        Ec2Ids ids = Ec2Ids.derive(TestInstances.builder().imageId(null).build());
        assertEquals(Optional.empty(), ids.amiId());
        assertEquals(Optional.empty(), ids.kernelId());
        assertEquals(Optional.empty(), ids.ramdiskId());
    }

    @Test
    void glanceUuidsKeepTheirFirstEightHexDigits() {
        Ec2Ids ids = Ec2Ids.derive(TestInstances.builder().imageId("9B3C8F4E-1a2b-4c5d-8e9f-0a1b2c3d4e5f")
                .kernelId("0a1b2c3d-0000-4000-8000-000000000000").build());
        assertEquals(Optional.of("ami-9b3c8f4e"), ids.amiId());
        assertEquals(Optional.of("aki-0a1b2c3d"), ids.kernelId());
    }
}
