package yimaqing.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Starts a Neo4j Community DBMS with Bolt on a loopback address and keeps it up until SIGTERM/SIGINT,
 * or (with --exit-on-stdin-eof) until the parent process closes our standard input, so that a parent
 * that dies abruptly never leaves a database behind.
 *
 * <p>Usage: {@code Launcher --home DIR --host 127.0.0.1 --port 7687 [--pagecache-mb 512] [--auth]
 * [--tx-timeout-s N] [--exit-on-stdin-eof]}. Prints "READY bolt://host:port" once the default database answers.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        Path home = Path.of(require(options, "--home")).toAbsolutePath();
        String host = options.getOrDefault("--host", "127.0.0.1");
        int port = Integer.parseInt(options.getOrDefault("--port", "7687"));
        long pagecacheMb = Long.parseLong(options.getOrDefault("--pagecache-mb", "512"));
        boolean auth = options.containsKey("--auth");

        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb));
        if (options.containsKey("--tx-timeout-s")) {
            builder.setConfig(GraphDatabaseSettings.transaction_timeout,
                    java.time.Duration.ofSeconds(Long.parseLong(options.get("--tx-timeout-s"))));
        }
        DatabaseManagementService dbms = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "neo4j-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        db.executeTransactionally("RETURN 1");
        System.out.println("READY bolt://" + host + ":" + port);
        System.out.flush();

        if (options.containsKey("--exit-on-stdin-eof")) {
            watchStdin();
        }
        stopped.await();
    }

    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                while (in.read() != -1) {
                    // Drain: only the end of the stream matters.
                }
            } catch (IOException ignored) {
                // A broken pipe means the parent is gone, as EOF does.
            }
            System.exit(0);
        }, "stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String key = args[i];
            if (!key.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument: " + key);
            }
            boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
            options.put(key, flag ? "true" : args[++i]);
        }
        return options;
    }

    private static String require(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        return value;
    }
}
