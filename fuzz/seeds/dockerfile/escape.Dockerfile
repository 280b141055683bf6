# escape=`
# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/openjdk/jdk:17-ubuntu
ARG XMX
ENV JAVA_OPTS=-Xmx${XMX:-1g}`
 -XX:MaxMetaspaceSize=256m
ENV PATH=$PATH:/opt/tools/bin HEAP=${XMX:+-Xmx$XMX}
CMD java $JAVA_OPTS `
    -cp "/app/lib/*" `
    com.example.Main
