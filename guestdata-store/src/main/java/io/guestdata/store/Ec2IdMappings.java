package io.guestdata.store;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;

/**
 * Small integer ids behind the EC2 identifiers guests see: {@code i-%08x} for an instance
 * (Nova's {@code ec2_instance_mappings}) and {@code ami-%08x}, {@code aki-%08x},
 * {@code ari-%08x} for an image reference (Nova's {@code s3_images}, one id per image whatever its
 * role). An id is allocated the first time it is asked for (or when the instance is created, for the
 * instance and its image references), is the same for every store on the database from then on, and
 * is never given to anything else, even after the instance is deleted or purged.
 */
public interface Ec2IdMappings {

    /** The instance's id (1, 2, 3… in allocation order), allocated now if it has none. */
    long instanceId(UUID instance);

    /** The most instances {@link #instanceIds} reads at once. */
    int MAX_READ = 1000;

    /**
     * The ids already allocated to these instances, in one read (for an index of many instances); an instance that
     * has none yet is absent, nothing is allocated.
     *
     * @param instances at most {@value #MAX_READ}
     */
    Map<UUID, Long> instanceIds(Collection<UUID> instances);

    /**
     * The image reference's id, allocated now if it has none.
     *
     * @throws StoreException.Invalid the reference is empty or longer than 255 characters
     */
    long imageId(String imageReference);
}
