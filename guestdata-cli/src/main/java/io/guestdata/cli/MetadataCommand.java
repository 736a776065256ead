package io.guestdata.cli;

import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataTree;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code guestdata metadata}: prints what the metadata service would answer at a path. */
@Command(name = "metadata", mixinStandardHelpOptions = true,
        description = "Print exactly what the metadata service answers at PATH for this instance "
                + "(e.g. openstack/latest/meta_data.json, latest/meta-data/, latest/meta-data/instance-id). "
                + "Without PATH: the listing of /. Exit 5 when the service would answer 404.")
final class MetadataCommand implements Callable<Integer> {
    @Mixin
    InstanceOptions instance;

    @Mixin
    MetadataSettings settings;

    @Option(names = "--requester-ip", paramLabel = "IP",
            description = "Address the request comes from (local-ipv4 falls back to it when the instance has no "
                    + "static IPv4 address).")
    String requesterIp;

    @Option(names = "--content-type", negatable = false,
            description = "Print the Content-Type the service sends on stderr.")
    boolean showContentType;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PATH", defaultValue = "/",
            description = "Metadata path (default: /).")
    String path;

    @Spec
    CommandSpec spec;

    private final OutputStream stdout;

    /** @param stdout where the raw answer bytes go (stdout; a character writer would alter them) */
    MetadataCommand(OutputStream stdout) {
        this.stdout = stdout;
    }

    @Override
    public Integer call() throws CommandFailure, IOException {
        MetadataTree tree = MetadataTree.build(instance.load(), settings.options());
        LookupResult result = tree.lookup(path, requesterIp);
        switch (result) {
            case LookupResult.Found found -> {
                if (showContentType) {
                    spec.commandLine().getErr().println("Content-Type: " + found.contentType());
                }
                stdout.write(found.body());
                stdout.flush();
                return ExitCode.OK;
            }
            case LookupResult.PasswordEndpoint p -> {
                // No password has been posted: the service answers 200 with an empty body (nova-compat §3).
                if (showContentType) {
                    spec.commandLine().getErr().println("Content-Type: text/html; charset=UTF-8");
                }
                return ExitCode.OK;
            }
            case LookupResult.NotFound notFound -> throw new CommandFailure(ExitCode.NOT_FOUND,
                    "404 Not Found: " + path + " (the metadata service would answer 404 for this instance)");
        }
    }
}
