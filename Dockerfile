# The Tasker silo (with its HTTP front end), and the `tasker` command in /app/agent for the executor agents.
# Built by docker-compose.yml.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Tasker.Silo/ Tasker.Silo/
COPY Tasker.Grains/ Tasker.Grains/
COPY Tasker.Grains.Abstractions/ Tasker.Grains.Abstractions/
COPY Tasker.Client/ Tasker.Client/
RUN dotnet publish Tasker.Silo/Tasker.Silo.csproj --configuration Release --output /app
RUN dotnet publish Tasker.Client/Tasker.Client.csproj --configuration Release --output /app/agent

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# Silos and agents run as an unprivileged user of their own: a flaw in the front end or a shell command on an agent
# does not get root in the container. /app stays root's (read-only to them); /data/files is theirs, and a named
# volume mounted there starts with this ownership.
RUN groupadd --system --gid 10001 tasker \
 && useradd --system --uid 10001 --gid tasker --create-home --home-dir /home/tasker --shell /usr/sbin/nologin tasker \
 && mkdir -p /data/files \
 && chown tasker:tasker /data/files \
 && chmod 0700 /data/files
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080 11111
USER tasker
ENTRYPOINT ["dotnet", "Tasker.Silo.dll"]
