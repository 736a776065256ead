package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.InjectedFile;
import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.random.RandomGenerator;

/**
 * Everything a guest can see of one instance (Nova's {@code InstanceMetadata}, nova-compat.md §1),
 * computed once and rendered for the metadata service ({@link #lookup}) and the config drive
 * ({@link #configDriveFiles}), as the {@link NovaRelease} of its options shows it: its OpenStack versions
 * ({@link OpenStackVersion}, the files of each in {@link OpenStackFile}) and its network data rules.
 *
 * <p>Every answer except {@code meta_data.json} (fresh {@code random_seed}), the {@code /openstack}
 * listing before the newest version's date, and {@code local-ipv4} without a static address is bytes built
 * once: the listings when the tree is built, each EC2 version's answers, each OpenStack version's
 * {@code meta_data.json} (spliced) and {@code network_data.json} on their first request, so that building a tree
 * (the metadata service's cache miss) costs only what a guest asks for. Instances are immutable and safe to
 * share between threads, provided the {@link RandomGenerator} is (the default {@link StripedDrbg} is).
 *
 * <p>{@code random_seed} is spliced: each version's {@code meta_data.json} is serialised once into the bytes
 * before and after the seed value ({@link SplicedJson}); a render copies them around 684 fresh base64
 * characters.
 */
public final class MetadataTree {
    static final String EC2 = "ec2";
    static final String OPENSTACK = "openstack";
    private static final String CONTENT = "content";

    private static final String VERSION = "version";

    private static final LookupResult NOT_FOUND = new LookupResult.NotFound();
    private static final LookupResult.Found EC2_VERSION_LISTING = text(Ec2Listing.lines(ec2VersionStrings()));
    private static final Resolved MISSING = new Resolved.Other(NOT_FOUND);
    private static final MetadataAnswer EC2_VERSION_ANSWER = MetadataAnswer.of(EC2_VERSION_LISTING);
    private static final Resolved EC2_VERSIONS = new Resolved.Answer(EC2_VERSION_ANSWER);
    /** The {@code /openstack} listing of each release once its newest version is past: built once, every tree's. */
    private static final java.util.Map<NovaRelease, MetadataAnswer> OPENSTACK_VERSION_LISTINGS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Instance instance;
    private final Ec2Ids ec2Ids;
    private final RandomGenerator random;
    private final Clock clock;
    private final Optional<String> networkConfigText;

    /** The release's OpenStack versions, oldest first; the last is {@code latest}. */
    private final List<OpenStackVersion> openStackVersions;
    private final MetadataAnswer openStackVersionListing;
    private final LocalDate newestOpenStackDate;

    // The EC2 trees are not kept: only configDriveFiles() needs them, and rebuilds them (they are pure functions
    // of these three and the instance). Keeping them cost ~25 % of a tree's heap.
    private final String hostname;
    private final Optional<String> localIpv4;
    /**
     * Each EC2 version's answers (path → body), built on the version's first request: guests read one version
     * (cloud-init: {@code latest}), and building all nine was most of a tree's build time on a cache miss.
     */
    private final AtomicReferenceArray<Map<String, LookupResult.Found>> ec2Answers =
            new AtomicReferenceArray<>(Ec2Version.values().length);
    private final String requesterAddressPath; // null when local-ipv4 is a static address

    private final Map<OpenStackVersion, OpenStackAnswers> openStack = new EnumMap<>(OpenStackVersion.class);
    private final Optional<LookupResult.Found> userData;
    private final NetworkData network;
    private final NovaRelease release;
    /** {@code network_data.json}, built on its first request (null until then). */
    private volatile LookupResult.Found networkData;
    private final VendorData vendorData;
    /** Content blobs the metadata service has: network_config, and the injected files unless Nova-exact. */
    private final Map<String, LookupResult.Found> serviceContent;
    /** Content blobs of the config drive: network_config first, then the injected files. */
    private final Map<String, byte[]> configDriveContent;
    private final List<String> configDriveEc2Versions;

    /** The precomputed answers of one OpenStack version. */
    // The config drive's meta_data.json is built when a config drive is written (rarely), not kept per tree.
    // The service's meta_data.json of a version is built on its first request and kept (guests read one or two
    // of the nine versions; precomputing all nine was about half of a tree's heap).
    private static final class OpenStackAnswers {
        final LookupResult.Found listing;
        volatile SplicedJson serviceMetaData;

        OpenStackAnswers(LookupResult.Found listing) {
            this.listing = listing;
        }

        LookupResult.Found listing() {
            return listing;
        }
    }

    private final MetaDataJson metaData;

    /**
     * A tree with derived EC2 ids and a cryptographically strong generator for {@code random_seed} (guests
     * seed their entropy pool from it, as from Nova's {@code os.urandom}): a {@link StripedDrbg}, the JDK's
     * SP 800-90A DRBG (about three times faster than the platform default {@code NativePRNG} for 512-byte
     * draws) in independent stripes, so that concurrent requests do not queue on one generator's lock as
     * they did on a single shared {@code SecureRandom.getInstance("DRBG")}. Every tree shares the
     * process-wide {@link StripedDrbg#shared()}: its stripes are instantiated once, not per tree.
     */
    public static MetadataTree build(Instance instance, MetadataOptions options) {
        return build(instance, options, Ec2Ids.derive(instance), StripedDrbg.shared());
    }

    /**
     * @param random the source of every {@code random_seed}; must be thread-safe if the tree is shared
     *               between threads, and strong if guests rely on the seed ({@link StripedDrbg#shared()} is
     *               both, and does not serialise concurrent requests)
     */
    public static MetadataTree build(Instance instance, MetadataOptions options, Ec2Ids ids, RandomGenerator random) {
        return new MetadataTree(instance, options, ids, random, Clock.systemUTC());
    }

    MetadataTree(Instance instance, MetadataOptions options, Ec2Ids ids, RandomGenerator random, Clock clock) {
        this.instance = Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(options, "options");
        this.ec2Ids = Objects.requireNonNull(ids, "ids");
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");

        String hostname = options.dhcpDomain().isEmpty()
                ? instance.hostname() : instance.hostname() + "." + options.dhcpDomain();
        NetworkData network = new NetworkData(instance.networkData());
        this.hostname = hostname;
        // Identical listings share one Found.
        Map<Object, Object> shared = new HashMap<>();

        // Content numbering (nova-compat.md §1.5): "%04i" % len(content); network_config first.
        NovaRelease release = options.novaRelease();
        this.networkConfigText = options.networkConfigForStaticAddresses()
                ? instance.networkData().flatMap(nd -> InterfacesTemplate.render(nd, false, release))
                : Optional.empty();
        Map<String, byte[]> content = new LinkedHashMap<>();
        Optional<String> networkConfigPath = networkConfigText.map(text -> {
            String key = contentKey(content.size());
            content.put(key, text.getBytes(StandardCharsets.UTF_8));
            return "/" + CONTENT + "/" + key;
        });
        ArrayNode files = JsonNodeFactory.instance.arrayNode();
        for (InjectedFile file : instance.files()) {
            String key = contentKey(content.size());
            content.put(key, file.contents());
            ObjectNode entry = files.addObject();
            entry.put("path", file.path());
            entry.put("content_path", "/" + CONTENT + "/" + key);
        }
        this.configDriveContent = Collections.unmodifiableMap(content);
        // Nova's service has only network_config (personality files are not stored); we keep the files by
        // default so a rebuilt or evacuated instance still finds them (MetadataOptions.serviceServesFiles).
        Map<String, LookupResult.Found> service = new HashMap<>();
        content.forEach((key, bytes) -> {
            if (options.serviceServesFiles() || networkConfigPath.filter(p -> p.endsWith("/" + key)).isPresent()) {
                service.put(key, text(bytes));
            }
        });
        this.serviceContent = Collections.unmodifiableMap(service);

        // EC2 tree.
        List<String> ec2Versions = ec2VersionStrings();
        this.configDriveEc2Versions = ec2Versions.stream()
                .filter(v -> !options.configDriveSkipVersions().contains(v)).toList();
        Optional<String> localIpv4 = network.firstFixedIpv4();
        this.localIpv4 = localIpv4;
        this.requesterAddressPath = localIpv4.isPresent()
                ? null : Ec2MetaData.META_DATA + "/" + Ec2MetaData.LOCAL_IPV4;

        // OpenStack tree.
        this.openStackVersions = OpenStackVersion.upTo(release.newestOpenStackVersion());
        this.openStackVersionListing = openStackVersionListing(release);
        this.newestOpenStackDate = LocalDate.parse(openStackVersions.getLast().text());
        this.userData = instance.userData().map(ud -> text(ud.bytes()));
        this.network = network;
        this.release = release;
        this.vendorData = new VendorData(options.staticVendorData(), instance.vendorData());
        MetaDataJson metaData = new MetaDataJson(instance, hostname, networkConfigPath, files,
                options.serviceServesFiles());
        this.metaData = metaData;
        for (OpenStackVersion v : openStackVersions) {
            openStack.put(v, new OpenStackAnswers(sharedText(Ec2Listing.lines(openStackListing(v)), shared)));
        }
    }

    /** The release's OpenStack version strings and {@code latest}: the listing, and the drive's folders. */
    private List<String> openStackVersionStrings() {
        return versionStrings(openStackVersions);
    }

    private static List<String> versionStrings(List<OpenStackVersion> openStackVersions) {
        List<String> versions = new ArrayList<>();
        for (OpenStackVersion v : openStackVersions) {
            versions.add(v.text());
        }
        versions.add(OpenStackVersion.LATEST);
        return versions;
    }

    private static List<String> ec2VersionStrings() {
        List<String> versions = new ArrayList<>();
        for (Ec2Version v : Ec2Version.values()) {
            versions.add(v.text());
        }
        versions.add(Ec2Version.LATEST);
        return versions;
    }

    public Instance instance() {
        return instance;
    }

    public Ec2Ids ec2Ids() {
        return ec2Ids;
    }

    /** The vendor data this tree serves; the HTTP service adds dynamic targets to {@code vendor_data2.json}. */
    public VendorData vendorData() {
        return vendorData;
    }

    /** The rendered interfaces template (nova-compat.md §5.2), when any interface qualifies. */
    public Optional<String> networkConfigText() {
        return networkConfigText;
    }

    /**
     * Nova's {@code InstanceMetadata.lookup} plus the handler's rendering (nova-compat.md §1.2, §2.5).
     *
     * @param path             the request path (percent-decoded), e.g. {@code /latest/meta-data/}
     * @param requesterAddress the guest's address, answered as {@code local-ipv4} when the instance has no
     *                         static IPv4 address; may be null
     */
    public LookupResult lookup(String path, String requesterAddress) {
        return lookup(path, requesterAddress, null);
    }

    /**
     * {@link #lookup(String, String)} with dynamic vendor data: a request resolving to {@code vendor_data2.json}
     * (version 2016-10-06 or later) calls {@code dynamic} and merges its members after {@code static}.
     *
     * @param dynamic the dynamic targets, or null for none
     * @throws RuntimeException what {@code dynamic} throws (fatal target failures)
     */
    public LookupResult lookup(String path, String requesterAddress, DynamicVendorData dynamic) {
        return lookup(MetadataPath.of(path), requesterAddress, dynamic);
    }

    /**
     * {@link #lookup(String, String, DynamicVendorData)} for a path already routed: the HTTP handler routes each
     * request's path once ({@link MetadataPath#of}) and answers from it.
     */
    public LookupResult lookup(MetadataPath path, String requesterAddress, DynamicVendorData dynamic) {
        return switch (resolve(path, MetaDataJson.View.METADATA_SERVICE, dynamic != null)) {
            case Resolved.Answer a -> a.answer().found();
            case Resolved.Other o -> o.result();
            case Resolved.RequesterAddress r -> text(Ec2Listing.render(new Ec2Value.RequesterAddress(), requesterAddress));
            case Resolved.DynamicVendorData2 d -> json(PythonJson.dumpsUtf8(vendorData.vendorData2(dynamic.fetch(instance))));
        };
    }

    /**
     * The answer to {@code path} when it is the same for every request to this tree (a {@link MetadataAnswer}, which
     * a cache may keep apart from the tree); empty when it is not found, or depends on the request: the password
     * endpoint, {@code local-ipv4} taken from the requester, {@code vendor_data2.json} with dynamic targets, the
     * {@code /openstack} listing while today's date still hides a version. Builds only what the answer needs (one
     * EC2 version's answers, one version's {@code meta_data.json}, {@code network_data.json}).
     *
     * @param dynamicVendorData whether the service has dynamic vendor data targets
     */
    public Optional<MetadataAnswer> answer(MetadataPath path, boolean dynamicVendorData) {
        return resolve(path, MetaDataJson.View.METADATA_SERVICE, dynamicVendorData) instanceof Resolved.Answer a
                ? Optional.of(a.answer()) : Optional.empty();
    }

    /** What a path resolves to before anything of the request is added. */
    private sealed interface Resolved {
        /** The same for every request. */
        record Answer(MetadataAnswer answer) implements Resolved {
        }

        /** Not an answer to keep: a 404, the password endpoint, a listing that depends on the date. */
        record Other(LookupResult result) implements Resolved {
        }

        /** {@code local-ipv4} of an instance without a static IPv4 address: the requester's address. */
        record RequesterAddress() implements Resolved {
        }

        /** {@code vendor_data2.json} with dynamic targets: fetched per request. */
        record DynamicVendorData2() implements Resolved {
        }
    }

    private Resolved resolve(MetadataPath path, MetaDataJson.View view, boolean dynamicVendorData) {
        List<String> segments = path.segments();
        boolean openStack = path.api() == MetadataPath.Api.OPENSTACK;
        if (segments.isEmpty()) {
            return openStack ? openStackVersions() : EC2_VERSIONS;
        }
        return openStack ? openStackItem(segments, view, dynamicVendorData) : ec2Item(segments);
    }

    /**
     * The path as Nova routes it: {@code /} put in front when missing, then POSIX {@code normpath}
     * (nova-compat.md §1.2). The HTTP handler uses it before identifying the requester: {@code "/"} is
     * answered with {@link #ec2VersionList()} without any instance (§2.2).
     *
     * @param path a percent-decoded request path
     */
    public static String requestPath(String path) {
        return PosixPath.normpath(path.startsWith("/") ? path : "/" + path);
    }

    /**
     * The answer to {@code path} when it is the same for every instance of {@code release}, whatever the instance's
     * document: the version listings, {@code /openstack} (once the release's newest version is dated today or
     * earlier: before that the listing follows the date, and this is empty) and {@code /ec2}. What the instance's tree
     * would answer, byte for byte ({@code MetadataTreeTest}); a service answers it for an identified instance
     * without reading the instance, so cloud-init 22.4's one-try first {@code GET /openstack} is answered while the
     * store is unreachable.
     */
    public static Optional<MetadataAnswer> sharedAnswer(MetadataPath path, NovaRelease release, Clock clock) {
        if (!path.segments().isEmpty()) {
            return Optional.empty();
        }
        if (path.api() != MetadataPath.Api.OPENSTACK) {
            return Optional.of(EC2_VERSION_ANSWER);
        }
        OpenStackVersion newest = release.newestOpenStackVersion();
        if (LocalDate.now(clock.withZone(ZoneOffset.UTC)).isBefore(LocalDate.parse(newest.text()))) {
            return Optional.empty();
        }
        return Optional.of(openStackVersionListing(release));
    }

    private static MetadataAnswer openStackVersionListing(NovaRelease release) {
        return OPENSTACK_VERSION_LISTINGS.computeIfAbsent(release, r -> MetadataAnswer.of(text(Ec2Listing.lines(
                versionStrings(OpenStackVersion.upTo(r.newestOpenStackVersion()))))));
    }

    /** The EC2 version listing, the same for every instance: Nova's answer to {@code /} (nova-compat.md §2.2). */
    public static LookupResult.Found ec2VersionList() {
        return EC2_VERSION_LISTING;
    }

    /**
     * The config drive tree (nova-compat.md §1.8), in Nova's order: EC2 versions not skipped
     * ({@code user-data}, {@code meta-data.json}), then each OpenStack version and {@code latest}
     * ({@code meta_data.json}, {@code user_data}, {@code vendor_data.json}, {@code network_data.json},
     * {@code vendor_data2.json} as gated), then {@code openstack/content/NNNN}. Every call draws fresh
     * {@code random_seed} values, one per {@code meta_data.json}.
     */
    public List<MetadataFile> configDriveFiles() {
        List<MetadataFile> out = new ArrayList<>();
        for (String version : configDriveEc2Versions) {
            Ec2Value.Dict tree = Ec2MetaData.build(Ec2Version.parse(version).orElseThrow(), instance, ec2Ids, hostname,
                    localIpv4);
            instance.userData().ifPresent(ud -> out.add(new MetadataFile(EC2 + "/" + version + "/user-data", ud.bytes())));
            Ec2Value.Dict md = (Ec2Value.Dict) tree.entries().get(Ec2MetaData.META_DATA);
            out.add(new MetadataFile(EC2 + "/" + version + "/meta-data.json", PythonJson.dumpsUtf8(Ec2MetaData.toJson(md))));
        }
        for (String version : openStackVersionStrings()) {
            OpenStackVersion v = parseOpenStackVersion(version).orElseThrow();
            String dir = OPENSTACK + "/" + version + "/";
            for (OpenStackFile file : OpenStackFile.values()) {
                if (file.onConfigDrive() && file.listedIn(v, userData.isPresent())) {
                    LookupResult.Found found = ((Resolved.Answer) openStackItem(
                            List.of(version, file.fileName()), MetaDataJson.View.CONFIG_DRIVE, false)).answer().found();
                    out.add(new MetadataFile(dir + file.fileName(), found.body()));
                }
            }
        }
        configDriveContent.forEach((key, bytes) -> out.add(new MetadataFile(OPENSTACK + "/" + CONTENT + "/" + key, bytes)));
        return out;
    }

    private Resolved openStackVersions() {
        // Nova hides versions dated after today's UTC date; once the newest is past, the list is fixed.
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (!today.isBefore(newestOpenStackDate)) {
            return new Resolved.Answer(openStackVersionListing);
        }
        List<String> listed = new ArrayList<>();
        String todayText = today.toString();
        for (OpenStackVersion v : openStackVersions) {
            if (v.text().compareTo(todayText) <= 0) {
                listed.add(v.text());
            }
        }
        listed.add(OpenStackVersion.LATEST);
        return new Resolved.Other(text(Ec2Listing.lines(listed)));
    }

    private Resolved openStackItem(List<String> tokens, MetaDataJson.View view, boolean dynamicVendorData) {
        if (tokens.getFirst().equals(CONTENT)) {
            if (tokens.size() != 2) {
                return MISSING;
            }
            if (view == MetaDataJson.View.CONFIG_DRIVE) {
                byte[] blob = configDriveContent.get(tokens.get(1));
                return blob == null ? MISSING : answer(text(blob.clone()));
            }
            LookupResult.Found blob = serviceContent.get(tokens.get(1));
            return blob == null ? MISSING : answer(blob);
        }
        Optional<OpenStackVersion> parsed = parseOpenStackVersion(tokens.getFirst());
        if (parsed.isEmpty()) {
            return MISSING;
        }
        OpenStackVersion version = parsed.get();
        OpenStackAnswers answers = openStack.get(version);
        String name = tokens.size() == 1 ? VERSION : String.join("/", tokens.subList(1, tokens.size()));
        if (name.equals(VERSION)) {
            return answer(answers.listing());
        }
        // Nova routes ".../content" to a handler with the wrong arity: a 500 there, a 404 here.
        Optional<OpenStackFile> file = OpenStackFile.named(name).filter(f -> f.servedIn(version));
        if (file.isEmpty()) {
            return MISSING;
        }
        return switch (file.get()) {
            case META_DATA -> new Resolved.Answer(MetadataAnswer.metaData(view == MetaDataJson.View.CONFIG_DRIVE
                    ? metaData.build(version, MetaDataJson.View.CONFIG_DRIVE) : serviceMetaData(version, answers), random));
            case USER_DATA -> userData.isPresent() ? answer(userData.get()) : MISSING;
            case PASSWORD -> new Resolved.Other(new LookupResult.PasswordEndpoint(version.text()));
            case VENDOR_DATA -> answer(json(vendorData.vendorDataJson()));
            case VENDOR_DATA2 -> dynamicVendorData ? new Resolved.DynamicVendorData2()
                    : answer(json(vendorData.vendorData2Json()));
            case NETWORK_DATA -> answer(networkData());
        };
    }

    private static Resolved answer(LookupResult.Found found) {
        return new Resolved.Answer(MetadataAnswer.of(found));
    }

    /** A version of the release, or {@code latest}: its newest. */
    private Optional<OpenStackVersion> parseOpenStackVersion(String token) {
        return OpenStackVersion.parse(token, openStackVersions.getLast());
    }

    private Resolved ec2Item(List<String> tokens) {
        Optional<Ec2Version> version = Ec2Version.parse(tokens.getFirst());
        if (version.isEmpty()) {
            return MISSING;
        }
        String path = String.join("/", tokens.subList(1, tokens.size()));
        if (path.equals(requesterAddressPath)) {
            return new Resolved.RequesterAddress();
        }
        LookupResult.Found found = ec2Answers(version.get()).get(path);
        return found == null ? MISSING : answer(found);
    }

    /** A version's EC2 answers; racing first requests build equal maps, and either one is kept. */
    private Map<String, LookupResult.Found> ec2Answers(Ec2Version version) {
        Map<String, LookupResult.Found> built = ec2Answers.get(version.ordinal());
        if (built == null) {
            Map<String, LookupResult.Found> answers = new HashMap<>();
            collectAnswers(Ec2MetaData.build(version, instance, ec2Ids, hostname, localIpv4), "", answers,
                    new HashMap<>());
            built = Map.copyOf(answers);
            ec2Answers.set(version.ordinal(), built);
        }
        return built;
    }

    private LookupResult.Found networkData() {
        LookupResult.Found built = networkData;
        if (built == null) { // racing first requests build equal answers; either one is kept
            built = text(PythonJson.dumpsUtf8(network.printed(release)));
            networkData = built;
        }
        return built;
    }

    /**
     * Every path {@code find_path_in_tree} resolves in {@code node}: the node itself and, for dicts, every
     * key (including {@code _name}, which Nova serves). A path below a leaf or into a list is not found
     * (Nova raises a TypeError there, a 500).
     */
    private static void collectAnswers(Ec2Value node, String path, Map<String, LookupResult.Found> answers,
                                       Map<Object, Object> shared) {
        if (node instanceof Ec2Value.RequesterAddress) {
            return; // answered per request
        }
        answers.put((String) shared.computeIfAbsent(path, p -> p), sharedText(Ec2Listing.render(node, null), shared));
        if (node instanceof Ec2Value.Dict dict) {
            dict.entries().forEach((key, child) -> collectAnswers(child, path.isEmpty() ? key : path + "/" + key,
                    answers, shared));
        }
    }

    /** A text answer; one {@link LookupResult.Found} per distinct body in a tree. */
    private static LookupResult.Found sharedText(byte[] body, Map<Object, Object> shared) {
        return (LookupResult.Found) shared.computeIfAbsent(new SharedBytes.Text(body), k -> text(body));
    }

    private SplicedJson serviceMetaData(OpenStackVersion version, OpenStackAnswers answers) {
        SplicedJson built = answers.serviceMetaData;
        if (built == null) { // racing first requests build equal documents; either one is kept
            built = metaData.build(version, MetaDataJson.View.METADATA_SERVICE);
            answers.serviceMetaData = built;
        }
        return built;
    }

    private List<String> openStackListing(OpenStackVersion version) {
        List<String> names = new ArrayList<>();
        for (OpenStackFile file : OpenStackFile.values()) {
            if (file.listedIn(version, instance.userData().isPresent())) {
                names.add(file.fileName());
            }
        }
        return names;
    }

    private static String contentKey(int index) {
        return String.format("%04d", index);
    }

    private static LookupResult.Found text(byte[] body) {
        return new LookupResult.Found(body, LookupResult.TEXT_PLAIN);
    }

    private static LookupResult.Found json(byte[] body) {
        return new LookupResult.Found(body, LookupResult.APPLICATION_JSON);
    }
}
