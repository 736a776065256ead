package io.guestdata.cli;

import io.guestdata.core.Instance;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code guestdata validate}: checks an instance document and reports every error at once. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check an instance document against every rule and Nova limit; print every error at once "
                + "(one per line: JSON pointer, rule, limit). Exit 0 when valid, 3 when not.")
final class ValidateCommand implements Callable<Integer> {
    @Mixin
    InstanceOptions instance;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws CommandFailure {
        Instance i = instance.load();
        spec.commandLine().getOut().println("valid: " + i.uuid() + " (hostname " + i.hostname() + ", "
                + i.keys().size() + " key(s), " + i.files().size() + " file(s), " + i.metadata().size()
                + " metadata item(s))");
        return ExitCode.OK;
    }
}
