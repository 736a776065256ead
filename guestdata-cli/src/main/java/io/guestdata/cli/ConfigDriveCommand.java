package io.guestdata.cli;

import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.core.metadata.MetadataTree;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code guestdata configdrive}: writes a config drive for an instance. */
@Command(name = "configdrive", mixinStandardHelpOptions = true,
        description = "Write the config drive of an instance: with --format tree, exactly the file tree a "
                + "config drive holds (openstack/<version>/…, openstack/content/NNNN, ec2/…). Refuses to "
                + "overwrite a non-empty output; nothing is left behind on failure.")
final class ConfigDriveCommand implements Callable<Integer> {
    enum Format { tree }

    @Mixin
    InstanceOptions instance;

    @Mixin
    MetadataSettings settings;

    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES}.")
    Format format;

    @Option(names = "--output", required = true, paramLabel = "PATH",
            description = "Where to write: a directory for tree (must not exist, or be empty).")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws CommandFailure {
        MetadataTree tree = MetadataTree.build(instance.load(), settings.options());
        List<MetadataFile> files = tree.configDriveFiles();
        switch (format) {
            case tree -> TreeOutput.write(files, output);
        }
        spec.commandLine().getOut().println("wrote " + files.size() + " files to " + output);
        return ExitCode.OK;
    }
}
