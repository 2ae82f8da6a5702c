import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local bound to one address (system property lojal.host, 127.0.0.1 by default).
 * Its own launcher has no host option and listens on every interface, so this builds its server
 * from the same command-line arguments and sets the host on the Jetty connector before starting.
 * It sends no telemetry (the launcher's telemetry set-up is not run). Run in source-file mode
 * (local/services/dynamodb.ts): java -cp DynamoDBLocal.jar:DynamoDBLocal_lib/* LoopbackDynamoDbLocal.java -port N ...
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("lojal.host", "127.0.0.1");
    DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Connector connector : connectors) {
      if (!(connector instanceof ServerConnector)) throw new IllegalStateException("Unexpected connector " + connector);
      ((ServerConnector) connector).setHost(host);
    }
    proxy.start();
    for (Connector connector : connectors) {
      ServerConnector bound = (ServerConnector) connector;
      System.out.println("LOJAL-BOUND " + bound.getHost() + ":" + bound.getLocalPort());
    }
    proxy.join();
  }
}
