package io.guestdata.cli;

import io.guestdata.core.GuestdataVersion;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code guestdata} command. */
@Command(name = "guestdata",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Gets instance data (keys, passwords, network, user data, metadata, files) into virtual machines, "
                + "as OpenStack Nova does: config drives, the metadata service, disk injection.",
        footerHeading = "%nExit codes:%n",
        footer = {"  0  done", "  1  internal error", "  2  usage error", "  3  invalid instance document",
                "  4  output exists or cannot be written (nothing written)", "  5  metadata path not found",
                "  6  a local input file cannot be read",
                "  7  inject: the image cannot be used (nothing written)", "  8  inject: refused before the first write",
                "  9  inject: a write failed", " 10  inject --best-effort: some items not written",
                " 11  inject: the filesystem needs a backend not in this build or not installed (libguestfs), or the"
                        + " sandbox cannot run (bubblewrap); serve: the same for the API's injections",
                " 12  configdrive: the instance holds something the image format cannot hold or deliver (nothing written)",
                " 13  serve: the configuration is invalid", " 14  serve: the store or a listener is unavailable",
                " 15  batch: some documents failed (each is in the summary); the others were written"})
public final class Main implements Runnable {
    /**
     * The subcommands, in the order help lists them. Only the one a command line names is built (picocli reads a
     * command's options by reflection, which is most of a short command's start-up); help, completion and a
     * command line that names none get them all.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(ValidateCommand.class, MetadataCommand.class,
            ConfigDriveCommand.class, BatchCommand.class, InjectCommand.class, ServeCommand.class, ProxyCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The commands that end by returning from {@code main} when they succeed, rather than by {@link System#exit}:
     * {@code Runtime.exit} looks up the platform logger (JDK 17+, it logs exits at debug level), a service lookup
     * through every jar of the class path that the start-up cache otherwise never opens, ~10 ms of a short command
     * (docs/benchmarks.md, start-up). Shutdown hooks run either way; none of these leaves a non-daemon thread.
     * serve and proxy keep {@code System.exit}, and so does every failure.
     */
    static final List<String> RETURN_ON_SUCCESS = List.of("validate", "metadata", "configdrive", "batch", "inject");

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != ExitCode.OK || args.length == 0 || !RETURN_ON_SUCCESS.contains(args[0])) {
            System.exit(code);
        }
    }

    /**
     * Runs the command line; returns the exit code. {@code out} receives raw bytes (metadata
     * answers are written unchanged); text goes to it as UTF-8. Used by tests in-process.
     */
    public static int run(String[] args, OutputStream out, OutputStream err) {
        return run(args, out, err, System.getenv());
    }

    /**
     * As {@link #run(String[], OutputStream, OutputStream)}, with the environment the commands read
     * ({@code SOURCE_DATE_EPOCH}; libguestfs' {@code LIBGUESTFS_BACKEND}, {@code LIBGUESTFS_BACKEND_SETTINGS}
     * and {@code LIBGUESTFS_MEMSIZE} for inject) given instead of the process's.
     */
    public static int run(String[] args, OutputStream out, OutputStream err, Map<String, String> environment) {
        CommandLine cl = commandLine(out, environment, args.length > 0 ? args[0] : null);
        cl.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        int code = cl.execute(args);
        cl.getOut().flush();
        cl.getErr().flush();
        return code;
    }

    /**
     * The command model, every subcommand included, as {@link #run} executes it: what the Debian package's man
     * pages and bash completion are generated from at build time (tools/deb/CommandDocs.java).
     */
    public static CommandLine commandLine() {
        return commandLine(System.out, System.getenv());
    }

    /** The whole command, every subcommand built (help, completion, man pages). */
    static CommandLine commandLine(OutputStream rawOut, Map<String, String> environment) {
        return commandLine(rawOut, environment, null);
    }

    /**
     * The command with only the subcommand named {@code first} built when {@code first} names one, else with all
     * of them.
     */
    static CommandLine commandLine(OutputStream rawOut, Map<String, String> environment, String first) {
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == MetadataCommand.class) {
                    return type.cast(new MetadataCommand(rawOut));
                }
                if (type == ConfigDriveCommand.class) {
                    return type.cast(new ConfigDriveCommand(environment));
                }
                if (type == ServeCommand.class) {
                    return type.cast(new ServeCommand(environment));
                }
                if (type == ProxyCommand.class) {
                    return type.cast(new ProxyCommand(environment));
                }
                if (type == BatchCommand.class) {
                    return type.cast(new BatchCommand(environment, System.in));
                }
                if (type == InjectCommand.class) {
                    return type.cast(new InjectCommand(environment));
                }
                if (type == InstanceOptions.class) {
                    return type.cast(new InstanceOptions(environment));
                }
                if (!type.isInterface()) {
                    // What picocli's default factory does for a class; that factory's own set-up looks for Groovy on
                    // the class path (opening every jar, ~10 ms of a short command), so it only serves interfaces.
                    Constructor<K> constructor = type.getDeclaredConstructor();
                    constructor.setAccessible(true);
                    return constructor.newInstance();
                }
                return CommandLine.defaultFactory().create(type);
            }
        };
        CommandLine cl = new CommandLine(new Main(), factory);
        // The first whose name matches: each name read is an annotation parsed (reflection), so no more than needed.
        List<Class<?>> named = List.of();
        for (Class<?> type : SUBCOMMANDS) {
            if (type != CommandLine.HelpCommand.class && commandName(type).equals(first)) {
                named = List.of(type);
                break;
            }
        }
        for (Class<?> type : named.isEmpty() ? SUBCOMMANDS : named) {
            cl.addSubcommand(commandName(type), create(factory, type));
        }
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            if (ex instanceof CommandFailure failure) {
                for (String line : failure.lines()) {
                    err.println("guestdata: " + line);
                }
                err.flush();
                return failure.exitCode();
            }
            err.println("guestdata: internal error: " + ex);
            ex.printStackTrace(err);
            err.flush();
            return ExitCode.INTERNAL;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("guestdata: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return ExitCode.USAGE;
        });
        return cl;
    }

    private static String commandName(Class<?> type) {
        return type.getAnnotation(Command.class).name();
    }

    private static Object create(CommandLine.IFactory factory, Class<?> type) {
        try {
            return factory.create(type);
        } catch (Exception e) {
            throw new CommandLine.InitializationException("cannot create " + type.getName() + ": " + e, e);
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {GuestdataVersion.product()};
        }
    }
}
