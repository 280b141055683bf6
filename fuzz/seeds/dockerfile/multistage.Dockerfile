# syntax=docker/dockerfile:1.6
ARG JDK_VERSION=17
ARG BASE=eclipse-temurin:${JDK_VERSION:-21}-jre-jammy

FROM maven:3.9-eclipse-temurin-${JDK_VERSION} AS build
WORKDIR /src
COPY pom.xml .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline
COPY src ./src
RUN mvn -B -q package -DskipTests

FROM ${BASE} AS runtime
ARG JDK_VERSION
ARG APP_HOME=/opt/app
ENV APP_HOME=${APP_HOME} \
    JAVA_OPTS="-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC" \
    JDK=$JDK_VERSION
LABEL org.opencontainers.image.title="admin-server" \
      org.opencontainers.image.version="1.4.2"
COPY --from=build /src/target/app.jar ${APP_HOME}/app.jar
USER 1000
EXPOSE 8080
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/app/app.jar"]
CMD ["--spring.profiles.active=prod"]
