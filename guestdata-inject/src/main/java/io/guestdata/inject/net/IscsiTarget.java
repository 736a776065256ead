package io.guestdata.inject.net;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.inject.DiskTargetSyntaxException;

/**
 * An iSCSI LUN named in QEMU's URI syntax, {@code iscsi://[USER@]HOST[:PORT]/TARGET/LUN} (QEMU 7.2
 * {@code block/iscsi.c} {@code iscsi_parse_filename}, which reads it with libiscsi 1.19's {@code iscsi_parse_full_url}):
 * the portal up to the first {@code /} (the port 3260 by default, an IPv6 host in brackets), the target name up to
 * the next {@code /} (percent-decoded, as libiscsi does), then the LUN in decimal. {@code iser://} is the same over
 * iSER (RDMA). As {@code --blockdev} it is {@code BlockdevOptionsIscsi} (qapi/block-core.json): {@code transport},
 * {@code portal}, {@code target}, {@code lun}, {@code user} and {@code password-secret}.
 *
 * <p>CHAP: the URI may name the user ({@code USER@}); the password is a secret and never travels in the URI (libiscsi
 * reads {@code USER%PASSWORD@} and {@code USER:PASSWORD@}, which would put it on a command line): it comes from a
 * file or an environment variable and reaches QEMU through a {@code secret} object read from a 0600 file
 * ({@link io.guestdata.inject.block.QemuStorageExport#ofBlockdev(ObjectNode, java.util.Map, boolean,
 * io.guestdata.inject.block.QemuStorageExport.Settings)}).
 *
 * <p>Refused beyond QEMU: a password in the URI; a query ({@code ?header_digest=}, {@code ?target_user=}: QEMU passes
 * none of them on); a {@code #fragment}; an {@code @} after the portal (libiscsi would take all before it for the
 * user); a LUN that is not plain decimal from 0 to 16383 (SAM flat addressing, what libiscsi encodes); a target name
 * that is empty, longer than 223 bytes (RFC 3720 §3.2.6.1) or holds spaces or control characters; a scheme in
 * capitals.
 *
 * @param transport {@code tcp} or {@code iser}
 * @param host the portal's host (an IPv6 address without brackets)
 * @param port the portal's port
 * @param target the target's iSCSI name ({@code iqn....}, {@code eui....}, {@code naa....})
 * @param lun the logical unit number
 * @param user the CHAP user, if the target asks for one
 */
public record IscsiTarget(String transport, String host, int port, String target, int lun, Optional<String> user)
        implements NetworkDisk {
    /** The URI schemes of QEMU's iscsi driver. */
    public static final Set<String> SCHEMES = Set.of("iscsi", "iser");
    /** The iSCSI port (RFC 7143), libiscsi's default. */
    public static final int DEFAULT_PORT = 3260;
    private static final int MAX_LUN = 16383;
    private static final int MAX_NAME_BYTES = 223;
    private static final String SYNTAX = "iscsi://[USER@]HOST[:PORT]/TARGET/LUN";

    public IscsiTarget {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(user, "user");
    }

    /**
     * Parses an iSCSI URI as the class comment says. A message never repeats what follows the user (a password).
     *
     * @throws DiskTargetSyntaxException naming the part that is wrong and what was expected
     */
    public static IscsiTarget parse(String uri) {
        UriText.Schemed schemed = UriText.scheme("iscsi", uri, SCHEMES, SYNTAX);
        String scheme = schemed.scheme();
        String rest = schemed.rest();
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        Optional<String> user = Optional.empty();
        int at = authority.indexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            if (authority.indexOf('@', at + 1) >= 0) {
                throw new DiskTargetSyntaxException("iscsi: more than one '@' before the portal; expected " + SYNTAX);
            }
            int pw = indexOfAny(userInfo, "%:");
            if (pw >= 0) {
                throw new DiskTargetSyntaxException("iscsi: the URI holds a CHAP password (after the user's '"
                        + userInfo.charAt(pw) + "'), a secret that would be on a command line: write"
                        + " iscsi://USER@HOST/... and give the password in a file (--iscsi-password-file) or in"
                        + " the environment (GUESTDATA_ISCSI_PASSWORD)");
            }
            if (userInfo.isEmpty() || userInfo.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
                throw new DiskTargetSyntaxException("iscsi: the user before '@' is empty or holds a space or control"
                        + " character; expected " + SYNTAX);
            }
            user = Optional.of(userInfo);
            authority = authority.substring(at + 1);
        }
        String afterPortal = slash < 0 ? "" : rest.substring(slash + 1);
        if (afterPortal.indexOf('?') >= 0) {
            throw new DiskTargetSyntaxException("iscsi: QEMU passes none of the URI's '?' arguments (header_digest,"
                    + " target_user, target_password) on to the connection: remove the query; expected " + SYNTAX);
        }
        if (afterPortal.indexOf('#') >= 0) {
            throw new DiskTargetSyntaxException("iscsi: a '#fragment' is not part of an iSCSI URI; write '#' in a"
                    + " target name as %23");
        }
        if (afterPortal.indexOf('@') >= 0) {
            throw new DiskTargetSyntaxException("iscsi: an '@' after the portal would make libiscsi read all before"
                    + " it as the user; write it as %40 in the target name");
        }
        if (authority.isEmpty()) {
            throw new DiskTargetSyntaxException("iscsi: the portal (HOST[:PORT]) is missing; expected " + SYNTAX);
        }
        UriText.HostPort portal = UriText.hostPort("iscsi: portal host", authority, SYNTAX);
        if (slash < 0) {
            throw new DiskTargetSyntaxException("iscsi: the target name and the LUN are missing after the portal;"
                    + " expected " + SYNTAX);
        }
        int lunSlash = afterPortal.indexOf('/');
        if (lunSlash < 0) {
            throw new DiskTargetSyntaxException("iscsi: the LUN is missing after the target name; expected " + SYNTAX);
        }
        String target = UriText.decode("iscsi: target name", afterPortal.substring(0, lunSlash));
        if (target.isEmpty()) {
            throw new DiskTargetSyntaxException("iscsi: the target name is empty; expected " + SYNTAX);
        }
        int bytes = target.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_NAME_BYTES) {
            throw new DiskTargetSyntaxException("iscsi: the target name has " + bytes + " bytes; an iSCSI name has at"
                    + " most " + MAX_NAME_BYTES + " (RFC 3720)");
        }
        if (target.chars().anyMatch(c -> c <= ' ' || c == 0x7f)) {
            throw new DiskTargetSyntaxException("iscsi: the target name '" + target.strip() + "' holds a space or a"
                    + " control character, which no iSCSI name has (RFC 3720)");
        }
        String lun = afterPortal.substring(lunSlash + 1);
        if (!lun.matches("[0-9]{1,5}") || Integer.parseInt(lun) > MAX_LUN) {
            throw new DiskTargetSyntaxException("iscsi: the LUN '" + lun + "' is not a decimal number from 0 to "
                    + MAX_LUN + " (it comes last: " + SYNTAX + ")");
        }
        return new IscsiTarget(scheme.equals("iser") ? "iser" : "tcp", portal.host(),
                portal.port() < 0 ? DEFAULT_PORT : portal.port(), target, Integer.parseInt(lun), user);
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** The portal as libiscsi takes it: {@code HOST:PORT}, {@code [IPV6]:PORT}. */
    public String portal() {
        return new UriText.HostPort(host, port).text(DEFAULT_PORT);
    }

    /** The URI without the user: {@code iscsi://HOST:PORT/TARGET/LUN}. */
    @Override
    public String uri() {
        return (transport.equals("iser") ? "iser" : "iscsi") + "://" + portal() + "/" + UriText.encode(target) + "/"
                + lun;
    }

    @Override
    public String driver() {
        return "iscsi";
    }

    /**
     * {@code {"driver":"iscsi","transport":...,"portal":...,"target":...,"lun":...}}, with {@code user} and
     * {@code password-secret} when the URI names a user.
     *
     * @throws DiskTargetSyntaxException a user without a password, or a password without a user (QEMU would refuse
     *                                   the first and ignore the second)
     */
    @Override
    public ObjectNode toBlockdevJson(Optional<String> passwordSecret) {
        requirePassword(passwordSecret.isPresent());
        ObjectNode json = new ObjectMapper().createObjectNode().put("driver", "iscsi").put("transport", transport)
                .put("portal", portal()).put("target", target).put("lun", lun);
        user.ifPresent(u -> json.put("user", u));
        passwordSecret.ifPresent(s -> json.put("password-secret", s));
        return json;
    }

    /**
     * Checks that a CHAP password is given exactly when the URI names a user.
     *
     * @throws DiskTargetSyntaxException saying which is missing
     */
    public void requirePassword(boolean passwordGiven) {
        if (user.isPresent() && !passwordGiven) {
            throw new DiskTargetSyntaxException("iscsi: the URI names the CHAP user '" + user.get() + "' but no"
                    + " password is given: give it in a file (--iscsi-password-file) or in the environment"
                    + " (GUESTDATA_ISCSI_PASSWORD)");
        }
        if (user.isEmpty() && passwordGiven) {
            throw new DiskTargetSyntaxException("iscsi: a CHAP password is given but the URI names no user: write"
                    + " iscsi://USER@HOST[:PORT]/TARGET/LUN");
        }
    }

    @Override
    public String toString() {
        return uri();
    }
}
